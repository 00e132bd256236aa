"""Cost of an SFTN teacher training step against a plain teacher step.

Both train the same small ResNet teacher on the same batch of real
Fashion-MNIST images, interleaved in one process; the SFTN step also runs the
student branches. Prints the measured time ratio next to the ratio of FLOPs
(forward + backward, counted by ``torch.utils.flop_counter``), which is what
the extra work alone would predict.

Example::

    python tools/analysis/benchmark_sftn.py --iters 30
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from mmengine import DefaultScope  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402

from sfkd.models.model_config import build_model  # noqa: E402
from sfkd.datasets.fashion_mnist import fashion_mnist_batch  # noqa: E402
from sfkd.registry import MODELS  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SFTN_CONFIG = osp.join(ROOT, 'configs', 'sftn', 'sftn_small-resnet_tiny-resnet_fashion-mnist.py')


def build_sftn_pair():
    """The SFTN-wrapped teacher and a plain teacher with the same weights, both
    in train mode, each with its own SGD optimiser wrapper."""
    cfg = Config.fromfile(SFTN_CONFIG).model.to_dict()
    sftn = MODELS.build(cfg).train()
    plain = build_model(cfg['teacher']).train()
    plain.load_state_dict(sftn.teacher.state_dict())
    models = {'sftn': sftn, 'plain': plain}
    wrappers = {k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=1e-3))
                for k, m in models.items()}
    return models, wrappers


def step_flops(model, wrapper, data) -> int:
    with FlopCounterMode(display=False) as counter:
        model.train_step(data, wrapper)
    return counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data', 'fashion_mnist'))
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()
    torch.manual_seed(0)
    # the same batch over and over drives some weights towards denormal floats,
    # which the CPU handles very slowly and would distort the comparison
    torch.set_flush_denormal(True)

    with DefaultScope.overwrite_default_scope('sfkd'):
        data = fashion_mnist_batch(args.data_root, args.batch_size)
        models, wrappers = build_sftn_pair()
        sftn = models['sftn']
        flops = {k: step_flops(m, wrappers[k], data) for k, m in models.items()}
        times = {k: [] for k in models}
        for i in range(args.warmup + args.iters):
            order = list(models) if i % 2 == 0 else list(models)[::-1]
            for name in order:
                start = time.perf_counter()
                models[name].train_step(data, wrappers[name])
                if i >= args.warmup:
                    times[name].append(time.perf_counter() - start)

    med = {k: statistics.median(v) for k, v in times.items()}
    measured, expected = med['sftn'] / med['plain'], flops['sftn'] / flops['plain']
    print(f'SFTN teacher step vs plain teacher step, batch {args.batch_size}, '
          f'median of {args.iters} interleaved steps:')
    print(f"  plain teacher : {med['plain'] * 1e3:8.2f} ms  {flops['plain'] / 1e9:7.3f} GFLOP")
    print(f"  SFTN teacher  : {med['sftn'] * 1e3:8.2f} ms  {flops['sftn'] / 1e9:7.3f} GFLOP "
          f'({len(sftn.branches)} branches)')
    print(f'  time ratio X  : {measured:8.3f}')
    print(f'  FLOP ratio    : {expected:8.3f}  (what the extra work predicts)')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(batch_size=args.batch_size, iters=args.iters, plain_step_s=med['plain'],
                           sftn_step_s=med['sftn'], time_ratio=measured, flop_ratio=expected,
                           plain_flops=flops['plain'], sftn_flops=flops['sftn']), f, indent=2)


if __name__ == '__main__':
    main()

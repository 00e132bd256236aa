"""Cost of an SFTN teacher training step against a plain teacher step.

Both train the same small ResNet teacher on the same batch of real
Fashion-MNIST images (with ``--large``: the CIFAR-100 ResNet32x4 teacher with
ResNet8x4 branches on a batch of random 32x32 images), interleaved in one
process; the SFTN step also runs the student branches. The first SFTN step
plans which student modules its branch passes skip, so the FLOPs are counted
on a later one. Prints the measured time ratio next to the ratio of FLOPs
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
# the larger pair: ResNet32x4 teacher, ResNet8x4 branches, CIFAR-100 32x32 inputs
LARGE_SFTN_CONFIG = osp.join(ROOT, 'configs', 'sftn', 'sftn_resnet32x4_resnet8x4_cifar100.py')


def build_sftn_pair(config: str = SFTN_CONFIG):
    """The SFTN-wrapped teacher and a plain teacher with the same weights, both
    in train mode, each with its own SGD optimiser wrapper."""
    cfg = Config.fromfile(config).model.to_dict()
    sftn = MODELS.build(cfg).train()
    plain = build_model(cfg['teacher']).train()
    plain.load_state_dict(sftn.teacher.state_dict())
    models = {'sftn': sftn, 'plain': plain}
    wrappers = {k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=1e-3))
                for k, m in models.items()}
    return models, wrappers


def cifar_like_batch(batch_size: int, num_classes: int = 100, seed: int = 0) -> dict:
    """A data batch shaped like CIFAR-100's (3x32x32 uint8 images, labels), of random
    pixels: a step's cost does not depend on what the images show."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (batch_size, 3, 32, 32), generator=g, dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ), generator=g)
    return dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(int(y)) for y in labels])


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
    parser.add_argument('--large', action='store_true',
                        help='the CIFAR-100 ResNet32x4 teacher with ResNet8x4 branches, on '
                             'random 32x32 images, instead of the Fashion-MNIST pair')
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()
    torch.manual_seed(0)
    # the same batch over and over drives some weights towards denormal floats,
    # which the CPU handles very slowly and would distort the comparison
    torch.set_flush_denormal(True)

    with DefaultScope.overwrite_default_scope('sfkd'):
        if args.large:
            data = cifar_like_batch(args.batch_size)
            models, wrappers = build_sftn_pair(LARGE_SFTN_CONFIG)
        else:
            data = fashion_mnist_batch(args.data_root, args.batch_size)
            models, wrappers = build_sftn_pair()
        sftn = models['sftn']
        for name, model in models.items():  # the first SFTN step plans its branch passes
            model.train_step(data, wrappers[name])
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

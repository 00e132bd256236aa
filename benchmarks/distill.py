"""Cost of one sfkd distillation step against a hand-written PyTorch loop.

Both do the same work on the same batch of real Fashion-MNIST images:
normalise the batch, run the teacher without gradients, run the student
forward and backward with cross-entropy + Hinton KD, and take an SGD step.
The two are interleaved in one process (so machine noise hits both alike)
and the ratio of their median step times is printed.

Example::

    python -m benchmarks distill --iters 50 --out work_dirs/bench_distill.json
"""
import argparse
import copy
import json
import os
import os.path as osp
import tempfile

import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from sfkd.datasets.fashion_mnist import fashion_mnist_batch
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

from benchmarks.harness import FMNIST_ROOT, ROOT, interleaved_ms

KD_CONFIG = osp.join(ROOT, 'configs', 'kd', 'kd_small-resnet_tiny-resnet_fashion-mnist.py')


def build_distiller(tmpdir: str, student_width: int = None):
    """The KD distiller of the benchmark, its teacher's weights saved in ``tmpdir``;
    ``student_width`` (the student's stem and first-stage channels, doubled at each
    later stage; 8 in the config) builds the same student at another width."""
    cfg = Config.fromfile(KD_CONFIG).model.to_dict()
    if student_width is not None:
        w = student_width
        cfg['student'] = dict(cfg['student'],
                              backbone=dict(stem_channels=w, stage_channels=(w, 2 * w, 4 * w)),
                              head=dict(in_channels=4 * w))
    teacher = build_model(cfg['teacher'])
    cfg['teacher_ckpt'] = osp.join(tmpdir, 'teacher.pth')
    if not osp.isfile(cfg['teacher_ckpt']):
        torch.save({'state_dict': teacher.state_dict()}, cfg['teacher_ckpt'])
    return MODELS.build(cfg), cfg


def logits_of(model, x):
    """The classifier's logits, called module by module (no sfkd, no MMEngine)."""
    return model.head.fc(model.neck(model.backbone(x))[-1])


def plain_step(student, teacher, optimizer, images, labels, mean, std, tau, w_ce, w_kd):
    x = (torch.stack(images).float() - mean) / std
    with torch.no_grad():
        t = logits_of(teacher, x)
    s = logits_of(student, x)
    kd = F.kl_div(F.log_softmax(s / tau, 1), F.softmax(t / tau, 1), reduction='batchmean')
    loss = w_ce * F.cross_entropy(s, labels) + w_kd * kd * tau ** 2
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.detach()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog='python -m benchmarks distill',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=FMNIST_ROOT)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # the same batch over and over can drive weights towards denormal floats,
    # which the CPU handles very slowly and would distort the comparison
    torch.set_flush_denormal(True)

    with DefaultScope.overwrite_default_scope('sfkd'), tempfile.TemporaryDirectory() as tmp:
        data = fashion_mnist_batch(args.data_root, args.batch_size)
        distiller, cfg = build_distiller(tmp)
        distiller.train()
        wrapper = OptimWrapper(torch.optim.SGD(distiller.parameters(), lr=0.01, momentum=0.9))

        student = copy.deepcopy(distiller.student).train()
        teacher = copy.deepcopy(distiller.get_teacher()).eval()
        optimizer = torch.optim.SGD(student.parameters(), lr=0.01, momentum=0.9)
        pre = distiller.data_preprocessor
        labels = torch.cat([s.gt_label for s in data['data_samples']])
        kd = cfg['distill_losses']['loss_kd']
        plain = lambda: plain_step(student, teacher, optimizer, data['inputs'], labels,  # noqa
                                   pre.mean, pre.std, kd['tau'], cfg['student_loss_weight'],
                                   kd['loss_weight'])
        sfkd = lambda: distiller.train_step(data, wrapper)  # noqa: E731

        med = {k: ms / 1e3 for k, ms in
               interleaved_ms(dict(sfkd=sfkd, plain=plain), args.iters, args.warmup).items()}

    ratio = med['sfkd'] / med['plain']
    result = dict(batch_size=args.batch_size, iters=args.iters, threads=args.threads,
                  sfkd_step_s=med['sfkd'], plain_step_s=med['plain'], ratio=ratio)
    print(f"distill step, batch {args.batch_size}, {args.threads} threads, median of "
          f"{args.iters} interleaved steps:")
    print(f"  sfkd Distiller.train_step : {med['sfkd'] * 1e3:8.2f} ms")
    print(f"  plain PyTorch loop        : {med['plain'] * 1e3:8.2f} ms")
    print(f"  ratio sfkd / plain        : {ratio:8.3f}  (target <= 1.10)")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()

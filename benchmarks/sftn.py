"""Cost of an SFTN teacher training step against a plain teacher step.

Both train the same small ResNet teacher on the same batch of real
Fashion-MNIST images (with ``--large``: the CIFAR-100 ResNet32x4 teacher with
ResNet8x4 branches on a batch of random 32x32 images), interleaved in one
process; the SFTN step also runs the student branches. The first SFTN step
plans which student modules its branch passes skip, so the FLOPs are counted
on a later one. Prints the measured time ratio next to the ratio of FLOPs
(forward + backward, counted by ``torch.utils.flop_counter``), which is what
the extra work alone would predict.

With ``--profile N`` it also profiles N steps of each kind
(``torch.profiler``, CPU) and prints, per operator and input shape, the
milliseconds per step of sfkd's SFTN step against the hand-written one, with
the calls per step of each, then the convolution and batch-norm calls of the
two (``--profile-out`` writes the tables as Markdown).

Example::

    python -m benchmarks sftn --iters 30
    python -m benchmarks sftn --iters 10 --profile 10 \
        --profile-out results/benchmark/sftn_profile.md
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from sfkd.datasets.fashion_mnist import fashion_mnist_batch
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

from benchmarks.harness import (FMNIST_ROOT, ROOT, command_line, interleaved_ms,
                                step_flops)

SFTN_CONFIG = osp.join(ROOT, 'configs', 'sftn', 'sftn_small-resnet_tiny-resnet_fashion-mnist.py')
# the larger pair: ResNet32x4 teacher, ResNet8x4 branches, CIFAR-100 32x32 inputs
LARGE_SFTN_CONFIG = osp.join(ROOT, 'configs', 'sftn', 'sftn_resnet32x4_resnet8x4_cifar100.py')


def build_sftn_pair(config: str = SFTN_CONFIG, contiguous: bool = False):
    """The SFTN-wrapped teacher and a plain teacher with the same weights, both
    in train mode, each with its own SGD optimiser wrapper; with ``contiguous``
    also ``'sftn_contiguous'``, the same wrapper and weights with
    ``branch_channels_last=False``."""
    cfg = Config.fromfile(config).model.to_dict()
    sftn = MODELS.build(cfg).train()
    plain = build_model(cfg['teacher']).train()
    plain.load_state_dict(sftn.teacher.state_dict())
    models = {'sftn': sftn, 'plain': plain}
    if contiguous:
        models['sftn_contiguous'] = MODELS.build(
            dict(cfg, branch_channels_last=False)).train()
        models['sftn_contiguous'].load_state_dict(sftn.state_dict())
    wrappers = {k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=1e-3))
                for k, m in models.items()}
    return models, wrappers


def sftn_steps(config: str, data: dict) -> dict:
    """The steps compared, as zero-argument callables on ``data``, all from the same
    weights: ``sftn`` (sfkd's SFTN step), ``plain`` (the plain teacher's),
    ``sftn_contiguous`` (``branch_channels_last=False``) and ``handwritten``
    (:func:`handwritten_sftn_step`)."""
    models, wrappers = build_sftn_pair(config, contiguous=True)
    steps = {k: (lambda m=m, w=wrappers[k]: m.train_step(data, w)) for k, m in models.items()}
    steps['handwritten'] = handwritten_sftn_step(models['sftn'], data)
    return steps


def _stages_after(backbone, path: str) -> list:
    """The stages of a staged backbone that run after the stage at ``backbone.<name>``."""
    names = backbone.stage_names
    return [getattr(backbone, n) for n in names[names.index(path.split('.', 1)[1]) + 1:]]


class ToChannelsLast(torch.autograd.Function):
    """A feature made channels-last whose gradient goes back contiguous."""

    @staticmethod
    def forward(ctx, x):
        return x.contiguous(memory_format=torch.channels_last)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous()


def handwritten_sftn_step(sftn, data: dict, lr: float = 1e-3):
    """The SFTN teacher step of ``sftn`` written by hand in plain PyTorch, on copies of
    its teacher, transforms and branch students (no sfkd, no MMEngine, no hooks).

    The same work as ``sftn.train_step(data, ...)`` for a classifier pair whose
    backbones are staged (stem, ``layer1``...) and attach at stage outputs, in its
    branches' memory layout: normalise the batch; run the teacher stage by stage,
    keeping the attach-point features; for each branch, the transform and the student's stages after its attach point, its
    neck and head; the teacher's and the branches' cross-entropy, ``l_KL`` times the
    KL of the imitation loss (teacher not detached); backward; one SGD step. Returns
    the step as a zero-argument callable (it returns the loss)."""
    import copy
    teacher = copy.deepcopy(sftn.teacher).train()
    transforms = copy.deepcopy(sftn.transforms).train()
    students = copy.deepcopy(sftn.students).train()
    params = [p for m in (teacher, transforms, students) for p in m.parameters()]
    optimizer = torch.optim.SGD(params, lr=lr)
    pre = sftn.data_preprocessor
    mean, std = pre.mean, pre.std
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    tau = sftn.imitation.tau
    w = sftn.weights
    scale = 1.0 / len(sftn.branches) if sftn.branch_reduction == 'mean' else 1.0
    branches = [(transforms[b.key], students[b.student_key],
                 _stages_after(students[b.student_key].backbone, b.student_path),
                 b.teacher_path.split('.', 1)[1]) for b in sftn.branches]

    def logits(model, x):
        return model.head.fc(model.neck((x, ))[-1])

    def branch_input(feature):
        """Channels-last when the branches are (the gradient back in the teacher's layout)."""
        return ToChannelsLast.apply(feature) if sftn.branch_channels_last else feature

    def step():
        x = (torch.stack(data['inputs']).float() - mean) / std
        backbone, feats = teacher.backbone, {}
        x = backbone.stem(x)
        for name in backbone.stage_names:
            x = feats[name] = getattr(backbone, name)(x)
        t_logits = logits(teacher, x)
        loss = w['teacher'] * F.cross_entropy(t_logits, labels)
        t_soft = F.log_softmax(t_logits / tau, dim=1)
        for transform, student, stages, attach in branches:
            f = transform(branch_input(feats[attach]))
            for stage in stages:
                f = stage(f)
            s_logits = logits(student, f)
            kl = F.kl_div(F.log_softmax(s_logits / tau, dim=1), t_soft, reduction='batchmean',
                          log_target=True) * tau**2
            loss = loss + scale * (w['task'] * F.cross_entropy(s_logits, labels) +
                                   w['imitation'] * kl)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.detach()

    return step


# the operators that do a step's arithmetic, whose calls the profile compares
HEAVY_OPS = ('aten::mkldnn_convolution', 'aten::convolution_backward', 'aten::native_batch_norm',
             'aten::native_batch_norm_backward', 'aten::addmm', 'aten::mm')


def profile_ops(step, n: int) -> dict:
    """``{(operator, input shapes): (self CPU ms per step, calls per step)}`` over
    ``n`` calls of ``step``."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(n):
            step()
    return {(e.key, str(e.input_shapes)): (e.self_cpu_time_total / 1e3 / n, e.count / n)
            for e in prof.key_averages(group_by_input_shape=True)}


def profile_report(profiles: dict, top: int = 25) -> list:
    """Markdown lines: the step totals, the operators sfkd's SFTN step spends most
    time in next to the hand-written step, and the heavy operators' calls."""
    sfkd, hand = profiles['sftn'], profiles['handwritten']
    totals = {k: sum(ms for ms, _ in p.values()) for k, p in profiles.items()}
    lines = ['self CPU time per step (ms, under the profiler): ' +
             ', '.join(f'{k} {v:.1f}' for k, v in totals.items()), '',
             '| operator | input shapes | sfkd SFTN ms | hand-written ms | sfkd calls | '
             'hand-written calls |', '| --- | --- | --- | --- | --- | --- |']
    for key in sorted(sfkd, key=lambda k: -sfkd[k][0])[:top]:
        other = hand.get(key, (0.0, 0))
        lines.append(f'| {key[0]} | {key[1][:90]} | {sfkd[key][0]:.2f} | {other[0]:.2f} | '
                     f'{sfkd[key][1]:g} | {other[1]:g} |')
    calls = {k: {op: sum(c for (o, _), (_, c) in p.items() if o == op) for op in HEAVY_OPS}
             for k, p in (('sftn', sfkd), ('handwritten', hand))}
    lines += ['', '| operator | sfkd SFTN calls per step | hand-written calls per step |',
              '| --- | --- | --- |']
    lines += [f"| {op} | {calls['sftn'][op]:g} | {calls['handwritten'][op]:g} |"
              for op in HEAVY_OPS]
    return lines


def cifar_like_batch(batch_size: int, num_classes: int = 100, seed: int = 0) -> dict:
    """A data batch shaped like CIFAR-100's (3x32x32 uint8 images, labels), of random
    pixels: a step's cost does not depend on what the images show."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (batch_size, 3, 32, 32), generator=g, dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ), generator=g)
    return dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(int(y)) for y in labels])


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog='python -m benchmarks sftn',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=FMNIST_ROOT)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--large', action='store_true',
                        help='the CIFAR-100 ResNet32x4 teacher with ResNet8x4 branches, on '
                             'random 32x32 images, instead of the Fashion-MNIST pair')
    parser.add_argument('--out', help='write the figures as JSON here')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='also profile N steps of each kind and print the operator tables')
    parser.add_argument('--profile-out', help='write the profile tables here (Markdown)')
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    # the same batch over and over drives some weights towards denormal floats,
    # which the CPU handles very slowly and would distort the comparison
    torch.set_flush_denormal(True)

    with DefaultScope.overwrite_default_scope('sfkd'):
        if args.large:
            data = cifar_like_batch(args.batch_size)
        else:
            data = fashion_mnist_batch(args.data_root, args.batch_size)
        config = LARGE_SFTN_CONFIG if args.large else SFTN_CONFIG
        # one branch per attach point (SFTN)
        branches = sum(len(spec.attach) for spec in Config.fromfile(config).model.branches)
        steps = sftn_steps(config, data)
        for step in steps.values():  # the first SFTN step plans its branch passes
            step()
        flops = {k: step_flops(step) for k, step in steps.items()}
        med = {k: ms / 1e3 for k, ms in interleaved_ms(steps, args.iters, args.warmup).items()}
        profiles = {k: profile_ops(steps[k], args.profile)
                    for k in ('sftn', 'handwritten', 'plain')} if args.profile else None

    ratios = {k: dict(time_ratio=med[k] / med['plain'], flop_ratio=flops[k] / flops['plain'])
              for k in steps}
    print(f'SFTN teacher step vs plain teacher step, batch {args.batch_size}, '
          f'median of {args.iters} interleaved steps ({branches} branches):')
    labels = dict(plain='plain teacher', sftn='SFTN teacher',
                  sftn_contiguous='SFTN, contiguous branches',
                  handwritten='SFTN written by hand')
    for k, label in labels.items():
        r = ratios[k]
        print(f'  {label:<28}: {med[k] * 1e3:8.2f} ms  {flops[k] / 1e9:7.3f} GFLOP  time ratio '
              f"{r['time_ratio']:.3f}, FLOP ratio {r['flop_ratio']:.3f}, time over FLOP ratio "
              f"{r['time_ratio'] / r['flop_ratio']:.3f}")
    print(f"  sfkd's SFTN step over the hand-written one: {med['sftn'] / med['handwritten']:.3f}")
    if profiles:
        lines = profile_report(profiles)
        print('\n'.join(lines))
        if args.profile_out:
            from sfkd.utils.machine import describe_machine, machine_line
            os.makedirs(osp.dirname(osp.abspath(args.profile_out)), exist_ok=True)
            with open(args.profile_out, 'w') as f:
                f.write(f'# SFTN step profile: sfkd against the hand-written step\n\n'
                        f'{args.profile} steps of each kind, batch {args.batch_size}; machine: '
                        f'{machine_line(describe_machine())}\n\n' + '\n'.join(lines) +
                        f"\n\nCommand: `{command_line('sftn', argv)}`\n")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(batch_size=args.batch_size, iters=args.iters, step_s=med, flops=flops,
                           ratios=ratios, time_ratio=ratios['sftn']['time_ratio'],
                           flop_ratio=ratios['sftn']['flop_ratio']), f, indent=2)


if __name__ == '__main__':
    main()

"""sfkd's performance evidence: step-time ratios and peak memory, over several runs.

Side by side, on the same batch of real Fashion-MNIST images:
- the distillation step (KD) against a hand-written PyTorch loop doing the
  same work (``distill.py``; target <= 1.10);
- the SFTN teacher step against the plain teacher step, next to the FLOP ratio
  (``sftn.py``); beside it the same SFTN step written by hand in
  plain PyTorch (``handwritten_sftn_step``: what the step costs without
  sfkd's hooks, taps and branch plans) and the SFTN step with
  ``branch_channels_last=False`` (contiguous branches; the default is channels-last);
- the KD step against the same student's step trained alone (its own
  ``train_step``, no teacher): ``uncached_distill_ratio``, what an uncached KD
  epoch costs over the student's epoch alone, measured per step on one batch
  (an epoch is a number of such steps); and ``cached_distill_ratio``, the same
  for the KD step that reads the teacher's logits from an fp32 teacher cache
  (``python -m benchmarks cache`` times whole epochs, data loading
  included, and the pipeline with and without the cache);
- the peak memory of the KD, hand-written, SFTN and plain teacher steps,
  measured in a fresh process per step kind (so the figures do not mix): the
  highest resident set size sampled while three steps run, after a first one,
  minus the size just before them (after freed memory is handed back to the
  system).

and on the same batch of real Fashion-MNIST canvases (``dense.py``):
- a dense distillation step (the canvas RetinaNet pair, CWD on each of three
  FPN levels) against a hand-written PyTorch loop doing the same work
  (goal <= 1.05);
- the SFTN detector teacher step against the plain detector step, next to the
  ratio of forward FLOPs (MMEngine's analysis, as ``tools/analysis/get_flops.py`` prints
  them) and of training-step FLOPs (``torch.utils.flop_counter``).

``sftn_large`` adds the SFTN step of a larger pair against its plain
teacher step: the CIFAR-100 ResNet32x4 teacher with ResNet8x4 branches
(``configs/sftn/sftn_resnet32x4_resnet8x4_cifar100.py``) on a batch of random
32x32 images (a step's cost does not depend on the pixels), with its FLOP
ratio. ``scaling`` measures how the distill step's cost grows: the
sfkd step and the hand-written loop against the batch size and against the
student's width, all points interleaved, drawn as ``<out>_scaling.png``.
FLOPs are counted on the second step of each kind, since the first SFTN step
also plans which student modules its branch passes skip.

The steps of each comparison are interleaved (the order reversed every other round),
so the two sides of each ratio share the machine's state. Each figure is the
median and range over ``--repeats`` independent runs, with the machine it was
measured on; ``--out`` stores them as JSON and Markdown. ``--parts`` picks the
comparisons to run (all of them by default).

Example::

    python -m benchmarks steps --repeats 5 --out results/benchmark/benchmark.json
"""
import argparse
import copy
import os.path as osp
import subprocess
import sys

import torch

from sfkd.apis.cache_storages import CACHE_STORAGES
from sfkd.utils.machine import describe_machine, machine_line
from sfkd.utils.report import figure, median_range, spread

from benchmarks import distill as bd
from benchmarks import sftn as bs
from benchmarks.harness import (CANVAS_ROOT, FMNIST_ROOT, ROOT, command_line, interleaved_ms,
                                step_flops, write_report)

STEPS = ('sfkd_distill', 'plain_distill', 'sftn_teacher', 'plain_teacher', 'student_alone',
         'cached_distill', 'handwritten_sftn_teacher', 'sftn_contiguous_teacher')
MEMORY_STEPS = STEPS[:4]  # the steps whose peak memory is measured
# the SFTN steps of each pair: sfkd's, the plain teacher's, the hand-written SFTN step's
# and the contiguous (not channels-last) branches'
SFTN_STEPS = ('sftn_teacher', 'plain_teacher', 'handwritten_sftn_teacher',
              'sftn_contiguous_teacher')
LARGE_STEPS = ('sftn_resnet32x4_teacher', 'plain_resnet32x4_teacher',
               'handwritten_sftn_resnet32x4_teacher', 'sftn_contiguous_resnet32x4_teacher')
DENSE_STEPS = ('sfkd_dense_distill', 'plain_dense_distill', 'sftn_det_teacher',
               'plain_det_teacher', 'plain_det_student')
# the interleaved step-time comparisons; 'scaling' (distill step time against batch
# size and student width) and 'sftn_large' run in loops of their own
PARTS = dict(classification=STEPS, dense=DENSE_STEPS)
ALL_PARTS = ('classification', 'sftn_large', 'scaling', 'dense')
FLOP_STEPS = ('sftn_teacher', 'plain_teacher', 'handwritten_sftn_teacher',
              'sftn_contiguous_teacher', 'student_alone', 'sftn_det_teacher',
              'plain_det_teacher')


def distill_steps(data: dict, tmpdir: str, student_width: int = None) -> dict:
    """The KD step (sfkd's ``Distiller``), the hand-written loop doing the same work,
    and the same student trained alone (its own ``train_step``), on ``data``."""
    from mmengine.optim import OptimWrapper

    distiller, cfg = bd.build_distiller(tmpdir, student_width)
    distiller.train()
    d_wrap = OptimWrapper(torch.optim.SGD(distiller.parameters(), lr=1e-3))
    student = copy.deepcopy(distiller.student).train()
    teacher = copy.deepcopy(distiller.get_teacher()).eval()
    s_opt = torch.optim.SGD(student.parameters(), lr=1e-3)
    alone = copy.deepcopy(distiller.student).train()
    a_wrap = OptimWrapper(torch.optim.SGD(alone.parameters(), lr=1e-3))
    pre = distiller.data_preprocessor
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    kd = cfg['distill_losses']['loss_kd']
    cached, c_wrap, cached_data = cached_distiller(data, tmpdir, student_width)
    return {
        'sfkd_distill': lambda: distiller.train_step(data, d_wrap),
        'cached_distill': lambda: cached.train_step(cached_data, c_wrap),
        'plain_distill': lambda: bd.plain_step(student, teacher, s_opt, data['inputs'], labels,
                                               pre.mean, pre.std, kd['tau'],
                                               cfg['student_loss_weight'], kd['loss_weight']),
        'student_alone': lambda: alone.train_step(data, a_wrap),
    }


def cached_distiller(data: dict, tmpdir: str, student_width: int = None):
    """The same KD ``Distiller`` reading the teacher's logits for ``data`` from an fp32
    teacher cache (the batch's samples carry their cache slots), as in a cached epoch."""
    import copy

    from mmengine.optim import OptimWrapper

    from sfkd.datasets.cached_views import SLOT_KEY
    from sfkd.engine.teacher_cache import CacheStore, TeacherCacheReader, build_codec
    from sfkd.engine.teacher_cache.fill import encode_records
    from sfkd.engine.teacher_cache.store import array_layout
    from sfkd.models.teacher_sources import CachedTeacher

    distiller, _ = bd.build_distiller(tmpdir, student_width)
    distiller.train()
    data = copy.deepcopy(data)
    for slot, sample in enumerate(data['data_samples']):
        sample.set_metainfo({SLOT_KEY: slot})
    batch = distiller.data_preprocessor(copy.deepcopy(data), True)
    records = distiller.teacher_records(batch['inputs'], batch['data_samples'])
    codecs = {n: build_codec('fp32', v.shape[1:], n) for n, v in records.items()}
    size = len(data['data_samples'])
    store = CacheStore.create(osp.join(tmpdir, f'cache_{student_width}'), dict(
        key='benchmark', what={}, views=1, size=size, chunk=size, seed=0,
        arrays=array_layout(codecs),
        structure={n: None for n in records}))
    store.write_chunk(0, 0, 0, encode_records(records, codecs, list(range(size)), 'the batch'),
                      [{}] * size)
    store.finish()
    distiller.use_teacher_source(CachedTeacher(
        TeacherCacheReader(store, codecs, {n: None for n in records}), distiller.teacher_source))
    return distiller, OptimWrapper(torch.optim.SGD(distiller.parameters(), lr=1e-3)), data


def cache_bytes_per_sample(data: dict, tmpdir: str) -> dict:
    """Bytes per sample of the KD teacher logits in each cache storage, from the
    encoded arrays of the benchmark batch."""

    from sfkd.engine.teacher_cache import build_codec
    distiller, cfg = bd.build_distiller(tmpdir)
    batch = distiller.data_preprocessor(data, True)
    logits = distiller.teacher_records(batch['inputs'], batch['data_samples'])['logits']
    tau = cfg['distill_losses']['loss_kd']['tau']
    sizes = {}
    for name, spec in CACHE_STORAGES.items():
        codec = build_codec(spec, logits.shape[1:], name, tau=tau)
        arrays = codec.encode(logits, list(range(len(logits))))
        sizes[name] = sum(a.nbytes for a in arrays.values()) / len(logits)
    return sizes


def sftn_steps(data: dict, config: str, names=SFTN_STEPS) -> dict:
    """The SFTN teacher step, the plain teacher step, the SFTN step written by hand and
    the SFTN step with contiguous branches, all from the same weights, of ``config``."""
    steps = bs.sftn_steps(config, data)
    return dict(zip(names, (steps[k] for k in ('sftn', 'plain', 'handwritten',
                                               'sftn_contiguous'))))


def build_steps(data_root: str, batch_size: int, tmpdir: str) -> dict:
    """The classification steps, as zero-argument callables on one shared batch."""

    from sfkd.datasets.fashion_mnist import fashion_mnist_batch

    data = fashion_mnist_batch(data_root, batch_size)
    return {**distill_steps(data, tmpdir), **sftn_steps(data, bs.SFTN_CONFIG)}


def peak_memory_mb(step: str, args) -> float:
    """Peak memory of one step kind, measured in a fresh process (``python -m benchmarks
    steps --measure-memory STEP``, run from the folder that holds the benchmarks)."""
    cmd = [sys.executable, '-m', 'benchmarks', 'steps', '--measure-memory', step,
           '--data-root', osp.abspath(args.data_root), '--batch-size', str(args.batch_size),
           '--threads', str(torch.get_num_threads())]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def rss_mb() -> float:
    with open('/proc/self/status') as f:
        line = next(ln for ln in f if ln.startswith('VmRSS:'))
    return int(line.split()[1]) / 1024


def measure_memory(step: str, args) -> None:
    import ctypes
    import gc
    import tempfile
    import threading

    from mmengine import DefaultScope
    with DefaultScope.overwrite_default_scope('sfkd'), tempfile.TemporaryDirectory() as tmp:
        steps = build_steps(args.data_root, args.batch_size, tmp)
        steps[step]()  # one step first: the first SFTN step also plans its branch passes
        gc.collect()
        ctypes.CDLL('libc.so.6').malloc_trim(0)  # hand freed set-up memory back first
        base, peak, done = rss_mb(), [0.0], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb())
                done.wait(0.0005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for _ in range(3):
            steps[step]()
        done.set()
        sampler.join()
    print(max(peak[0] - base, 0.0))


def sftn_ratio_keys(key: str) -> tuple:
    """The figures ``sftn_ratios`` gives for one pair."""
    return (f'{key}_handwritten_ratio', ) + tuple(
        f'{prefix}_{figure}' for prefix in (key, f'handwritten_{key}', f'{key}_contiguous')
        for figure in ('time_ratio', 'flop_ratio', 'time_over_flop_ratio'))


RATIOS = ('distill_ratio', 'distill_memory_ratio', 'uncached_distill_ratio',
          'cached_distill_ratio', 'sftn_memory_ratio', 'student_flop_share', 'student_time_share',
          *sftn_ratio_keys('sftn'), *sftn_ratio_keys('sftn_resnet32x4'),
          'dense_distill_ratio', 'sftn_det_time_ratio',
          'sftn_det_flop_ratio', 'sftn_det_step_flop_ratio', 'sftn_det_parts_ratio',
          'det_student_flop_share', 'det_student_time_share')
GROUPS = ('step_ms', 'peak_memory_mb', 'gflops', 'forward_gflops', 'scaling_ms',
          'cache_bytes_per_sample')


def measure_large_sftn(args) -> dict:
    """The SFTN ResNet32x4 teacher (ResNet8x4 branches, CIFAR-100) against the plain
    ResNet32x4 step, on one batch of random 32x32 images, interleaved."""
    steps = sftn_steps(bs.cifar_like_batch(args.large_batch_size), bs.LARGE_SFTN_CONFIG,
                       LARGE_STEPS)
    for step in steps.values():  # the first SFTN step plans its branch passes
        step()
    flops = {k: step_flops(step) for k, step in steps.items()}
    med = interleaved_ms(steps, args.large_iters, 0)
    return dict(step_ms=med, gflops={k: v / 1e9 for k, v in flops.items()},
                **sftn_ratios(med, flops, LARGE_STEPS, 'sftn_resnet32x4'))


def sftn_ratios(med: dict, flops: dict, names: tuple, key: str) -> dict:
    """The SFTN figures of one pair from its step times and FLOPs: the time and FLOP
    ratios over the plain teacher step and the time over FLOP ratio, for sfkd's step
    (``<key>_time_ratio`` ...), for the hand-written SFTN step
    (``handwritten_<key>_...``) and for the contiguous branches
    (``<key>_contiguous_...``); and sfkd's step over the hand-written one
    (``<key>_handwritten_ratio``)."""
    sftn, plain, handwritten, contiguous = names
    out = {f'{key}_handwritten_ratio': med[sftn] / med[handwritten]}
    for name, prefix in ((sftn, key), (handwritten, f'handwritten_{key}'),
                         (contiguous, f'{key}_contiguous')):
        time_ratio, flop_ratio = med[name] / med[plain], flops[name] / flops[plain]
        out.update({f'{prefix}_time_ratio': time_ratio, f'{prefix}_flop_ratio': flop_ratio,
                    f'{prefix}_time_over_flop_ratio': time_ratio / flop_ratio})
    return out


def measure_scaling(args, tmpdir: str) -> dict:
    """Distill step times (sfkd and the hand-written loop) against the batch size (at the
    config's student width) and against the student width (at ``--batch-size``), all
    the points interleaved in one loop; ``{'batch_size_<n>.sfkd': ms, ...}``."""
    from sfkd.datasets.fashion_mnist import fashion_mnist_batch
    largest = fashion_mnist_batch(args.data_root,
                                  max(args.scale_batch_sizes + [args.batch_size]))
    steps = {}
    for point, n, width in ([(f'batch_size_{n}', n, None) for n in args.scale_batch_sizes] +
                            [(f'width_{w}', args.batch_size, w) for w in args.scale_widths]):
        data = {k: v[:n] for k, v in largest.items()}
        pair = distill_steps(data, tmpdir, width)
        steps[f'{point}.sfkd'] = pair['sfkd_distill']
        steps[f'{point}.plain'] = pair['plain_distill']
    return interleaved_ms(steps, args.scale_iters, 1)


def measure_once(args) -> dict:
    """One run: interleaved step times, FLOPs, per-step peak memory of the
    classification steps, the larger SFTN pair and the scaling points."""
    import tempfile

    from mmengine import DefaultScope
    order = [k for part in args.parts if part in PARTS for k in PARTS[part]]
    run = dict(step_ms={}, gflops={})
    with DefaultScope.overwrite_default_scope('sfkd'), tempfile.TemporaryDirectory() as tmp:
        steps, forward = {}, {}
        if 'classification' in args.parts:
            steps.update(build_steps(args.data_root, args.batch_size, tmp))
            from sfkd.datasets.fashion_mnist import fashion_mnist_batch
            cache_bytes = cache_bytes_per_sample(
                fashion_mnist_batch(args.data_root, args.batch_size), tmp)
        if 'dense' in args.parts:
            from benchmarks import dense as bdn
            steps.update(bdn.build_dense_distill(args.canvas_root, args.det_batch_size, tmp))
            det = bdn.build_sftn_det(args.canvas_root, args.det_batch_size)
            forward = bdn.forward_gflops(det.pop('models'), bdn.CANVAS_SHAPE)
            branches = det.pop('branches')
            steps.update(det)
        flops = {}
        for name in FLOP_STEPS:
            if name in steps:
                steps[name]()  # the first SFTN step plans its branch passes
                flops[name] = step_flops(steps[name])
        med = interleaved_ms({k: steps[k] for k in order}, args.iters, args.warmup) \
            if order else {}
        run['step_ms'].update(med)
        run['gflops'].update({k: v / 1e9 for k, v in flops.items()})
        if 'sftn_large' in args.parts:
            large = measure_large_sftn(args)
            run['step_ms'].update(large.pop('step_ms'))
            run['gflops'].update(large.pop('gflops'))
            run.update(large)
        if 'scaling' in args.parts:
            run['scaling_ms'] = measure_scaling(args, tmp)
    if 'classification' in args.parts:
        run.update(
            distill_ratio=med['sfkd_distill'] / med['plain_distill'],
            uncached_distill_ratio=med['sfkd_distill'] / med['student_alone'],
            cached_distill_ratio=med['cached_distill'] / med['student_alone'],
            **sftn_ratios(med, flops, SFTN_STEPS, 'sftn'))
        run['cache_bytes_per_sample'] = cache_bytes

        # the branches' student (the KD student) trained alone, against the teacher
        run['student_flop_share'] = flops['student_alone'] / flops['plain_teacher']
        run['student_time_share'] = med['student_alone'] / med['plain_teacher']
        if not args.no_memory:
            memory = {k: peak_memory_mb(k, args) for k in MEMORY_STEPS}
            run.update(
                peak_memory_mb=memory,
                distill_memory_ratio=memory['sfkd_distill'] / max(memory['plain_distill'], 1e-9),
                sftn_memory_ratio=memory['sftn_teacher'] / max(memory['plain_teacher'], 1e-9))
    if 'dense' in args.parts:
        run.update(
            forward_gflops=forward,
            dense_distill_ratio=med['sfkd_dense_distill'] / med['plain_dense_distill'],
            sftn_det_time_ratio=med['sftn_det_teacher'] / med['plain_det_teacher'],
            sftn_det_flop_ratio=forward['sftn_det_teacher'] / forward['plain_det_teacher'],
            sftn_det_step_flop_ratio=flops['sftn_det_teacher'] / flops['plain_det_teacher'],
            sftn_det_branches=branches,
            sftn_det_parts_ratio=1 + branches * med['plain_det_student'] / med['plain_det_teacher'],
            det_student_flop_share=forward['plain_det_student'] / forward['plain_det_teacher'],
            det_student_time_share=med['plain_det_student'] / med['plain_det_teacher'])
    return run


def summary_lines(result: dict) -> list:
    """The report, as printed and as written next to the JSON."""
    s, runs = result['summary'], result['runs']

    def fig(key, digits=3):
        return median_range(s[key], digits)

    def sftn_parts(key):
        return [f"  the same SFTN step written by hand (plain PyTorch): time "
                f"{fig(f'handwritten_{key}_time_ratio')}, time over FLOP ratio "
                f"{fig(f'handwritten_{key}_time_over_flop_ratio')}; sfkd's step over it: "
                f"{fig(f'{key}_handwritten_ratio')}",
                f"  with model.branch_channels_last=False: time "
                f"{fig(f'{key}_contiguous_time_ratio')}, time over FLOP ratio "
                f"{fig(f'{key}_contiguous_time_over_flop_ratio')}"]

    parts = result.get('parts', list(PARTS))
    order = [k for part in parts if part in PARTS for k in PARTS[part]]
    if 'sftn_large' in parts:
        order += LARGE_STEPS
    lines = [f"batch {result['batch_size']} (Fashion-MNIST images), "
             f"{result.get('det_batch_size', '-')} (canvases); each run: median of "
             f"{result['iters']} interleaved steps; {len(runs)} runs: median (range) over the runs",
             f"machine: {machine_line(result['machine'])}; load average "
             f"{result['machine']['load_average']} at the start",
             f"{'step':<38}{'time (ms)':>30}{'peak mem (MiB)':>30}"]
    for k in order:
        memory = fig('peak_memory_mb.' + k, 1) if f'peak_memory_mb.{k}' in s else '-'
        lines.append(f"{k:<38}{fig('step_ms.' + k, 1):>30}{memory:>30}")
    if 'classification' in parts:
        memory = 'distill_memory_ratio' in s
        lines.append(f"distill step / plain loop : time {fig('distill_ratio')} (target <= 1.10)" +
                     (f", memory {fig('distill_memory_ratio', 2)}" if memory else ''))
        lines.append(f"uncached distill step / the student's step alone : time "
                     f"{fig('uncached_distill_ratio')} (an uncached KD epoch over the student's "
                     'epoch alone, per step on one batch)')
        if 'cached_distill_ratio' in s:
            lines.append(f"cached distill step / the student's step alone : time "
                         f"{fig('cached_distill_ratio')} (KD reading the teacher's logits from "
                         'an fp32 teacher cache; goal <= 1.10)')
        lines.append(f"SFTN step / plain teacher : time {fig('sftn_time_ratio')}, FLOPs "
                     f"{fig('sftn_flop_ratio')} ({s['gflops.sftn_teacher']['median']:.2f} vs "
                     f"{s['gflops.plain_teacher']['median']:.2f} GFLOP per step), time over "
                     f"FLOP ratio {fig('sftn_time_over_flop_ratio')} (goal <= 1.15)" +
                     (f", memory {fig('sftn_memory_ratio', 2)}" if memory else ''))
        lines += sftn_parts('sftn')
        lines.append(f"  the branches' student trained alone: {fig('student_flop_share')} of the "
                     f"plain teacher step's FLOPs, {fig('student_time_share')} of its time")
    if 'sftn_large' in parts:
        sftn, plain = (s[f'gflops.{k}']['median'] for k in LARGE_STEPS[:2])
        lines.append(f"SFTN ResNet32x4 (ResNet8x4 branches, batch {result['large_batch_size']} "
                     f"of 32x32) / plain ResNet32x4 : time {fig('sftn_resnet32x4_time_ratio')}, "
                     f"FLOPs {fig('sftn_resnet32x4_flop_ratio')} ({sftn:.2f} vs {plain:.2f} "
                     f"GFLOP per step), time over FLOP ratio "
                     f"{fig('sftn_resnet32x4_time_over_flop_ratio')} (goal <= 1.15)")
        lines += sftn_parts('sftn_resnet32x4')
    if 'scaling' in parts:
        lines.append('distill step time (ms), sfkd / hand-written loop:')
        points = [(f'batch {n}', f'batch_size_{n}') for n in result['scale_batch_sizes']] + \
            [(f'width {w} (batch {result["batch_size"]})', f'width_{w}')
             for w in result['scale_widths']]
        for label, key in points:
            lines.append(f"  {label:<20}{fig(f'scaling_ms.{key}.sfkd', 1):>30}"
                         f"{fig(f'scaling_ms.{key}.plain', 1):>30}")
    if 'dense' in parts:
        lines.append(f"dense distill step (CWD, 3 FPN levels) / plain loop : time "
                     f"{fig('dense_distill_ratio')} (goal <= 1.05)")
        lines.append(
            f"SFTN detector step / plain detector step : time {fig('sftn_det_time_ratio')}, "
            f"forward FLOPs {fig('sftn_det_flop_ratio')} "
            f"({s['forward_gflops.sftn_det_teacher']['median']:.3f} vs "
            f"{s['forward_gflops.plain_det_teacher']['median']:.3f} GFLOP per canvas, MMEngine), "
            f"step FLOPs {fig('sftn_det_step_flop_ratio')} "
            f"({s['gflops.sftn_det_teacher']['median']:.2f} vs "
            f"{s['gflops.plain_det_teacher']['median']:.2f} GFLOP per step, torch)")
        lines.append(
            f"  its parts: plain detector step + {runs[0]['sftn_det_branches']} student detector "
            f"steps (one per branch) : time {fig('sftn_det_parts_ratio')}; the student: "
            f"{s['forward_gflops.plain_det_student']['median']:.3f} GFLOP per canvas "
            f"({fig('det_student_flop_share')} of the teacher's), step time "
            f"{fig('det_student_time_share')} of the teacher's")
    return lines


def plot_scaling(result: dict, path: str) -> None:
    """Distill step time against batch size and against student width, sfkd and the
    hand-written loop, median over the runs with their range as error bars."""
    s = result['summary']
    with figure(path, 2, figsize=(10, 4)) as (fig, axes):
        for ax, (xs, key, xlabel) in zip(axes, (
                (result['scale_batch_sizes'], 'batch_size_{}', 'batch size (images)'),
                (result['scale_widths'], 'width_{}',
                 f"student width (stem and first-stage channels; batch {result['batch_size']})"))):
            for side, label, style in (('sfkd', 'sfkd Distiller', 'o-'),
                                       ('plain', 'hand-written PyTorch loop', 's--')):
                figs = [s[f'scaling_ms.{key.format(x)}.{side}'] for x in xs]
                med = [f['median'] for f in figs]
                err = [[m - f['min'] for m, f in zip(med, figs)],
                       [f['max'] - m for m, f in zip(med, figs)]]
                ax.errorbar(xs, med, yerr=err, fmt=style, capsize=3, label=label)
            ax.set_xscale('log', base=2)
            ax.set_xticks(xs, [str(x) for x in xs])
            ax.set_xlabel(xlabel)
            ax.set_ylabel('step time (ms)')
            ax.grid(alpha=0.3)
            ax.legend()
        axes[0].set_yscale('log')  # a cost linear in the batch is a line of slope 1
        fig.suptitle(f"KD step time, tiny ResNet student on Fashion-MNIST: median and range of "
                     f"{len(result['runs'])} runs\n{machine_line(result['machine'])}",
                     fontsize=10)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog='python -m benchmarks steps',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=FMNIST_ROOT)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=5,
                        help='independent runs; figures are the median and range over them')
    parser.add_argument('--canvas-root', default=CANVAS_ROOT,
                        help='the Fashion-MNIST canvases (made by tools/setup.sh)')
    parser.add_argument('--det-batch-size', type=int, default=16,
                        help='canvases per dense step (the detection configs train on 16)')
    parser.add_argument('--parts', nargs='+', choices=list(ALL_PARTS), default=list(ALL_PARTS),
                        help='which comparisons to run (default: all)')
    parser.add_argument('--large-batch-size', type=int, default=32,
                        help='images per step of the larger SFTN pair (ResNet32x4)')
    parser.add_argument('--large-iters', type=int, default=6,
                        help='interleaved steps of the larger SFTN pair per run')
    parser.add_argument('--scale-batch-sizes', type=int, nargs='+', default=[32, 64, 128, 256])
    parser.add_argument('--scale-widths', type=int, nargs='+', default=[4, 8, 16],
                        help="student widths (stem and first-stage channels; the config's is 8)")
    parser.add_argument('--scale-iters', type=int, default=10,
                        help='interleaved steps of each scaling point per run')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory measurements (a fresh process per step)')
    parser.add_argument('--threads', type=int,
                        help="torch's intra-op threads (default: torch's own choice); on a "
                             'machine other jobs share, 1 thread keeps a step from waiting on '
                             'a descheduled worker thread')
    parser.add_argument('--out', help='write the figures as JSON here (and the report as .md)')
    parser.add_argument('--measure-memory', choices=MEMORY_STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    torch.set_flush_denormal(True)
    if args.measure_memory:
        return measure_memory(args.measure_memory, args)

    from tqdm import tqdm
    machine = describe_machine()  # its load average is the one at the start
    runs = [measure_once(args) for _ in tqdm(range(args.repeats), desc='benchmark runs')]
    flat = [{**{f'{g}.{k}': v for g in GROUPS for k, v in r.get(g, {}).items()},
             **{k: r[k] for k in RATIOS if k in r}} for r in runs]
    summary = {key: spread([f[key] for f in flat]) for key in flat[0]}
    result = dict(batch_size=args.batch_size, det_batch_size=args.det_batch_size,
                  iters=args.iters, warmup=args.warmup, parts=args.parts,
                  large_batch_size=args.large_batch_size, large_iters=args.large_iters,
                  scale_batch_sizes=args.scale_batch_sizes, scale_widths=args.scale_widths,
                  scale_iters=args.scale_iters,
                  machine=machine, summary=summary, runs=runs,
                  command=command_line('steps', argv))
    lines = summary_lines(result)
    print('\n'.join(lines))
    if args.out:
        write_report(args.out, result, lines, 'Step-time and memory benchmark')
        if 'scaling' in args.parts:
            plot_scaling(result, osp.splitext(args.out)[0] + '_scaling.png')


if __name__ == '__main__':
    main()

"""sfkd's performance evidence: step-time ratios and peak memory, over several runs.

Side by side, on the same batch of real Fashion-MNIST images:
- the distillation step (KD) against a hand-written PyTorch loop doing the
  same work (``benchmark_distill.py``; target <= 1.10);
- the SFTN teacher step against the plain teacher step, next to the FLOP ratio
  (``benchmark_sftn.py``);
- the peak memory of each of the four, measured in a fresh process per step
  kind (so the figures do not mix): the highest resident set size sampled
  while three steps run, minus the size just before them (after freed memory
  is handed back to the system).

and on the same batch of real Fashion-MNIST canvases (``benchmark_dense.py``):
- a dense distillation step (the canvas RetinaNet pair, CWD on each of three
  FPN levels) against a hand-written PyTorch loop doing the same work
  (goal <= 1.05);
- the SFTN detector teacher step against the plain detector step, next to the
  ratio of forward FLOPs (MMEngine's analysis, as ``get_flops.py`` prints
  them) and of training-step FLOPs (``torch.utils.flop_counter``).

All steps of one run are interleaved (the order reversed every other round),
so the two sides of each ratio share the machine's state. Each figure is the
median and range over ``--repeats`` independent runs, with the machine it was
measured on; ``--out`` stores them as JSON and Markdown. ``--parts`` runs the
classification or the dense comparisons alone.

Example::

    python tools/analysis/benchmark.py --repeats 5 --out tools/analysis/results/benchmark/benchmark.json
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.abspath(osp.join(HERE, '..', '..'))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from sfkd.utils.machine import describe_machine, machine_line  # noqa: E402

STEPS = ('sfkd_distill', 'plain_distill', 'sftn_teacher', 'plain_teacher')
DENSE_STEPS = ('sfkd_dense_distill', 'plain_dense_distill', 'sftn_det_teacher',
               'plain_det_teacher', 'plain_det_student')
PARTS = dict(classification=STEPS, dense=DENSE_STEPS)


def build_steps(data_root: str, batch_size: int, tmpdir: str) -> dict:
    """The four classification steps, as zero-argument callables on one shared batch."""
    import benchmark_distill as bd
    import benchmark_sftn as bs
    from mmengine.optim import OptimWrapper

    from sfkd.datasets.fashion_mnist import fashion_mnist_batch

    data = fashion_mnist_batch(data_root, batch_size)
    distiller, cfg = bd.build_distiller(tmpdir)
    distiller.train()
    d_wrap = OptimWrapper(torch.optim.SGD(distiller.parameters(), lr=1e-3))
    student = bd.copy.deepcopy(distiller.student).train()
    teacher = bd.copy.deepcopy(distiller.get_teacher()).eval()
    s_opt = torch.optim.SGD(student.parameters(), lr=1e-3)
    pre = distiller.data_preprocessor
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    kd = cfg['distill_losses']['loss_kd']

    models, wrappers = bs.build_sftn_pair()
    sftn, plain = models['sftn'], models['plain']
    f_wrap, p_wrap = wrappers['sftn'], wrappers['plain']
    return {
        'sfkd_distill': lambda: distiller.train_step(data, d_wrap),
        'plain_distill': lambda: bd.plain_step(student, teacher, s_opt, data['inputs'], labels,
                                               pre.mean, pre.std, kd['tau'],
                                               cfg['student_loss_weight'], kd['loss_weight']),
        'sftn_teacher': lambda: sftn.train_step(data, f_wrap),
        'plain_teacher': lambda: plain.train_step(data, p_wrap),
    }


def peak_memory_mb(step: str, args) -> float:
    """Peak memory of one step kind, measured in a fresh process."""
    cmd = [sys.executable, __file__, '--measure-memory', step, '--data-root', args.data_root,
           '--batch-size', str(args.batch_size), '--threads', str(torch.get_num_threads())]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
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


RATIOS = ('distill_ratio', 'distill_memory_ratio', 'sftn_time_ratio', 'sftn_flop_ratio',
          'sftn_memory_ratio', 'dense_distill_ratio', 'sftn_det_time_ratio',
          'sftn_det_flop_ratio', 'sftn_det_step_flop_ratio', 'sftn_det_parts_ratio',
          'det_student_flop_share', 'det_student_time_share')
GROUPS = ('step_ms', 'peak_memory_mb', 'gflops', 'forward_gflops')


def measure_once(args) -> dict:
    """One run: interleaved step times, FLOPs, and per-step peak memory of the
    classification steps."""
    import statistics
    import tempfile
    import time

    from mmengine import DefaultScope
    from torch.utils.flop_counter import FlopCounterMode
    order = [k for part in args.parts for k in PARTS[part]]
    with DefaultScope.overwrite_default_scope('sfkd'), tempfile.TemporaryDirectory() as tmp:
        steps, forward = {}, {}
        if 'classification' in args.parts:
            steps.update(build_steps(args.data_root, args.batch_size, tmp))
        if 'dense' in args.parts:
            import benchmark_dense as bdn
            steps.update(bdn.build_dense_distill(args.canvas_root, args.det_batch_size, tmp))
            det = bdn.build_sftn_det(args.canvas_root, args.det_batch_size)
            forward = bdn.forward_gflops(det.pop('models'), bdn.CANVAS_SHAPE)
            branches = det.pop('branches')
            steps.update(det)
        flops = {}
        for name in ('sftn_teacher', 'plain_teacher', 'sftn_det_teacher', 'plain_det_teacher'):
            if name in steps:
                with FlopCounterMode(display=False) as counter:
                    steps[name]()
                flops[name] = counter.get_total_flops()
        times = {k: [] for k in order}
        for i in range(args.warmup + args.iters):
            for name in (order if i % 2 == 0 else order[::-1]):
                start = time.perf_counter()
                steps[name]()
                if i >= args.warmup:
                    times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    run = dict(step_ms={k: v * 1e3 for k, v in med.items()},
               gflops={k: v / 1e9 for k, v in flops.items()})
    if 'classification' in args.parts:
        memory = {k: peak_memory_mb(k, args) for k in STEPS}
        run.update(
            peak_memory_mb=memory,
            distill_ratio=med['sfkd_distill'] / med['plain_distill'],
            sftn_time_ratio=med['sftn_teacher'] / med['plain_teacher'],
            sftn_flop_ratio=flops['sftn_teacher'] / flops['plain_teacher'],
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


def spread(values) -> dict:
    """Median and range of one figure over the repeats."""
    import statistics
    return dict(median=statistics.median(values), min=min(values), max=max(values))


def summary_lines(result: dict) -> list:
    """The report, as printed and as written next to the JSON."""
    s, runs = result['summary'], result['runs']

    def fig(key, digits=3):
        v = s[key]
        return f"{v['median']:.{digits}f} (range {v['min']:.{digits}f}-{v['max']:.{digits}f})"

    parts = result.get('parts', list(PARTS))
    lines = [f"batch {result['batch_size']} (Fashion-MNIST images), "
             f"{result.get('det_batch_size', '-')} (canvases); each run: median of "
             f"{result['iters']} interleaved steps; {len(runs)} runs: median (range) over the runs",
             f"machine: {machine_line(result['machine'])}; load average "
             f"{result['machine']['load_average']} at the start",
             f"{'step':<20}{'time (ms)':>30}{'peak mem (MiB)':>30}"]
    for k in (k for part in parts for k in PARTS[part]):
        memory = fig('peak_memory_mb.' + k, 1) if f'peak_memory_mb.{k}' in s else '-'
        lines.append(f"{k:<20}{fig('step_ms.' + k, 1):>30}{memory:>30}")
    if 'classification' in parts:
        lines.append(f"distill step / plain loop : time {fig('distill_ratio')} (target <= 1.10), "
                     f"memory {fig('distill_memory_ratio', 2)}")
        lines.append(f"SFTN step / plain teacher : time {fig('sftn_time_ratio')}, FLOPs "
                     f"{fig('sftn_flop_ratio')} ({s['gflops.sftn_teacher']['median']:.2f} vs "
                     f"{s['gflops.plain_teacher']['median']:.2f} GFLOP per step), memory "
                     f"{fig('sftn_memory_ratio', 2)}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data', 'fashion_mnist'))
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=5,
                        help='independent runs; figures are the median and range over them')
    parser.add_argument('--canvas-root', default=osp.join(ROOT, 'data', 'fashion_canvases'),
                        help='the Fashion-MNIST canvases (made by tools/setup.sh)')
    parser.add_argument('--det-batch-size', type=int, default=16,
                        help='canvases per dense step (the detection configs train on 16)')
    parser.add_argument('--parts', nargs='+', choices=list(PARTS), default=list(PARTS),
                        help='which comparisons to run (default: both)')
    parser.add_argument('--threads', type=int,
                        help="torch's intra-op threads (default: torch's own choice); on a "
                             'machine other jobs share, 1 thread keeps a step from waiting on '
                             'a descheduled worker thread')
    parser.add_argument('--out', help='write the figures as JSON here (and the report as .md)')
    parser.add_argument('--measure-memory', choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
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
                  machine=machine, summary=summary, runs=runs,
                  command=' '.join(['python tools/analysis/benchmark.py'] + [
                      osp.relpath(a) if osp.isabs(a) else a for a in sys.argv[1:]]))
    lines = summary_lines(result)
    print('\n'.join(lines))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        with open(osp.splitext(args.out)[0] + '.md', 'w') as f:
            f.write('# Step-time and memory benchmark\n\n```\n' + '\n'.join(lines) +
                    f"\n```\n\nCommand: `{result['command']}`\n")


if __name__ == '__main__':
    main()

"""Choose a teacher by its students: a short distillation probe per candidate teacher.

Each candidate teacher checkpoint (teacher types, seeds, checkpoints of earlier
epochs: early-stopped teachers are often better teachers, Cho and Hariharan,
ICCV 2019, arXiv:1910.01348) goes into the student config as
``model.teacher_ckpt``, and a short run of that config (``--epochs`` on the
first ``--train-size`` training images) trains a probe student. The candidates
are ranked by their probe students' top-1 on the first ``--val-size`` test
images, next to each teacher's own top-1 there, the probe student's top-1
agreement with it and KL(teacher || student) (:mod:`sfkd.apis.agreement`), and
the teacher's calibration, ECE (15 bins, %) and NLL (:mod:`sfkd.apis.calibration`).
Probes run in ``--workers`` processes at once. A probe that finished with the
same config, checkpoint (path and modification time) and options is not run
again (its ``probe.json`` in the probe's work dir), so a second call with other
``--full-results`` only writes the report.

Given the full-length students of the same candidates (``--full-results``: a
pipeline's ``results.csv``, whose ``distill`` rows of ``--full-method`` are
matched to candidates named ``<type>`` or ``teacher_<type>``, the name of a
pipeline teacher's ``teacher_<type>/teacher_final.pth``; or a CSV with
``candidate,accuracy[,seconds]`` columns; or a JSON ``{candidate or checkpoint:
accuracy}``; of several files, a candidate takes the first that has it), the
report adds the Spearman rank correlation between the probe's ranking and the
full runs', and the probe's cost as a fraction of the full runs' (their
``seconds``, or ``--full-seconds``).

Example::

    python tools/analysis/select_teacher.py \\
        work_dirs/pipeline_full/teacher_*/teacher_final.pth \\
        --student-config configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py \\
        --full-results tools/analysis/results/pipeline_full/results.csv \\
        --workers 2 --out work_dirs/select_teacher

A candidate is ``PATH``, a glob, or ``NAME=PATH``. Writes ranking.md,
ranking.csv and ranking.png to ``--out``.
"""
import argparse
import csv
import glob
import json
import logging
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

FIELDS = ['rank', 'candidate', 'checkpoint', 'probe_top1', 'teacher_top1', 'agreement', 'kl',
          'ece', 'nll', 'probe_seconds', 'full_top1', 'full_rank']


# ----------------------------------------------------------------- candidates
def candidate_name(path: str) -> str:
    """``teacher_sftn`` for ``.../teacher_sftn/teacher_final.pth``, else the folder and
    file stem (``teacher_sftn/epoch_2``)."""
    folder, stem = osp.basename(osp.dirname(osp.abspath(path))), osp.splitext(osp.basename(path))[0]
    return folder if stem in ('teacher_final', 'model_final') else f'{folder}/{stem}'


def expand_candidates(specs: Sequence[str]) -> List[Tuple[str, str]]:
    """``[(name, checkpoint)]`` from ``PATH``, glob or ``NAME=PATH`` arguments."""
    out: List[Tuple[str, str]] = []
    for spec in specs:
        name, sep, pattern = spec.partition('=')
        if not sep:
            name, pattern = '', spec
        paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not paths:
            raise SystemExit(f'select_teacher: error: candidate {spec!r} matches no file')
        for path in paths:
            if not osp.isfile(path):
                raise SystemExit(f'select_teacher: error: candidate checkpoint {path!r} not '
                                 'found; give a teacher checkpoint file (e.g. '
                                 'work_dirs/<teacher run>/teacher_final.pth) or a glob')
            label = name if name and len(paths) == 1 else \
                (f'{name}/{candidate_name(path)}' if name else candidate_name(path))
            out.append((label, path))
    names = [n for n, _ in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit(f'select_teacher: error: candidates named twice: {dupes}; name them '
                         'with NAME=PATH')
    return out


# ------------------------------------------------------------------- ranking
def ranks(values: Sequence[float], descending: bool = True) -> List[float]:
    """Rank 1 for the best value; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: -values[i] if descending else values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation: the Pearson correlation of the (tie-averaged) ranks."""
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f'Spearman needs two equal-length lists of at least 2 values, got '
                         f'{len(x)} and {len(y)}')
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    if sx == 0 or sy == 0:
        return float('nan')
    return cov / (sx * sy)


# --------------------------------------------------------------- full results
def read_full_results(path: str, candidates: Sequence[Tuple[str, str]],
                      method: str = 'kd') -> Dict[str, Tuple[float, Optional[float]]]:
    """``{candidate: (full-run student accuracy, seconds or None)}`` for the candidates
    that ``path`` has results of (means over seeds)."""
    if path.endswith('.json'):
        data = json.load(open(path))
        found = {}
        for name, ckpt in candidates:
            for key in (name, ckpt, osp.abspath(ckpt)):
                if key in data:
                    v = data[key]
                    found[name] = (statistics.mean(v) if isinstance(v, list) else float(v), None)
                    break
        return found
    rows = list(csv.DictReader(open(path, newline='')))
    if rows and 'candidate' in rows[0]:
        groups: Dict[str, List[dict]] = {}
        for r in rows:
            groups.setdefault(r['candidate'], []).append(r)
        key_of = {name: name for name, _ in candidates}
    elif rows and {'kind', 'teacher', 'method', 'accuracy'} <= set(rows[0]):
        groups = {}
        for r in rows:
            if r['kind'] == 'distill' and r['method'] == method:
                groups.setdefault(r['teacher'], []).append(r)
        key_of = {}
        for name, _ in candidates:
            for teacher in groups:
                if name in (teacher, f'teacher_{teacher}'):
                    key_of[name] = teacher
    else:
        raise SystemExit(f'select_teacher: error: {path}: expected a pipeline results.csv '
                         '(kind, teacher, method, accuracy columns), a CSV with candidate and '
                         'accuracy columns, or a JSON {candidate: accuracy}')
    found = {}
    for name, key in key_of.items():
        if key in groups:
            rs = groups[key]
            secs = [float(r['seconds']) for r in rs if r.get('seconds')]
            found[name] = (statistics.mean(float(r['accuracy']) for r in rs),
                           sum(secs) if len(secs) == len(rs) else None)
    return found


# ---------------------------------------------------------------------- probe
def probe_options(args, ckpt: str) -> List[str]:
    opts = [f'model.teacher_ckpt={ckpt}', f'train_cfg.max_epochs={args.epochs}',
            f'train_cfg.val_interval={args.epochs}', f'randomness.seed={args.seed}',
            'log_level=ERROR', 'default_hooks.checkpoint.max_keep_ckpts=1']
    if args.train_size:
        opts.append(f'train_dataloader.dataset.indices={args.train_size}')
    if args.val_size:
        opts.append(f'val_dataloader.dataset.indices={args.val_size}')
    return opts + list(args.cfg_options or [])


def probe(name: str, ckpt: str, args, threads: int = 0) -> dict:
    """Train the probe student from ``ckpt`` and measure it and its teacher."""
    import torch

    from sfkd.apis.agreement import agreement_metrics, predict_logits
    from sfkd.apis.calibration import calibration_metrics
    from sfkd.tools import train as train_tool

    work_dir = osp.join(args.work_dir, 'probe_' + name.replace('/', '_'))
    key = dict(config=args.student_config, checkpoint=osp.abspath(ckpt),
               checkpoint_mtime=osp.getmtime(ckpt), options=probe_options(args, ckpt))
    done_file = osp.join(work_dir, 'probe.json')
    if osp.isfile(done_file):
        done = json.load(open(done_file))
        if done.get('key') == key:
            return dict(done['row'], candidate=name, checkpoint=ckpt)
    if threads:
        torch.set_num_threads(threads)
    logging.getLogger('mmengine').setLevel(logging.WARNING)
    start = time.perf_counter()
    runner = train_tool.run([args.student_config, '--work-dir', work_dir,
                             '--cfg-options', *probe_options(args, ckpt)])
    seconds = time.perf_counter() - start
    # the probe's own models and validation loader (the evaluation images, already read)
    from mmengine.model import is_model_wrapper
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    loader = runner.val_loop.dataloader
    teacher, student = model.get_teacher(), model.student
    t_logits, labels = predict_logits(teacher, loader)
    s_logits, _ = predict_logits(student, loader)
    agree = agreement_metrics(t_logits, s_logits, labels)
    calib = calibration_metrics(t_logits, labels)
    row = dict(candidate=name, checkpoint=ckpt, probe_top1=agree['student_top1'],
               teacher_top1=agree['teacher_top1'], agreement=agree['agreement'],
               kl=agree['kl'], ece=calib['ece'], nll=calib['nll'],
               probe_seconds=round(seconds, 2))
    with open(done_file, 'w') as f:
        json.dump(dict(key=key, row=row), f)
    return row


def run_probes(candidates: Sequence[Tuple[str, str]], args) -> List[dict]:
    """One probe per candidate, ``args.workers`` at a time (1: in this process)."""
    workers = max(1, min(args.workers, len(candidates)))
    if workers == 1:
        return [probe(name, ckpt, args) for name, ckpt in candidates]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(probe, name, ckpt, args, threads) for name, ckpt in candidates]
        return [f.result() for f in futures]


# --------------------------------------------------------------------- report
def rank_rows(rows: List[dict], full: Dict[str, Tuple[float, Optional[float]]]) -> List[dict]:
    """Rows sorted by probe accuracy with their rank, and the full runs' where known."""
    for r, rk in zip(rows, ranks([r['probe_top1'] for r in rows])):
        r['rank'] = rk
    matched = [r for r in rows if r['candidate'] in full]
    for r in matched:
        r['full_top1'] = full[r['candidate']][0]
    for r, rk in zip(matched, ranks([r['full_top1'] for r in matched])):
        r['full_rank'] = rk
    return sorted(rows, key=lambda r: (r['rank'], r['candidate']))


def summary(rows: List[dict], full: Dict[str, Tuple[float, Optional[float]]],
            full_seconds: Optional[float]) -> dict:
    matched = [r for r in rows if 'full_top1' in r]
    out: dict = dict(candidates=len(rows), matched=len(matched),
                     probe_seconds=sum(r['probe_seconds'] for r in rows))
    if len(matched) >= 2:
        out['spearman'] = spearman([r['probe_top1'] for r in matched],
                                   [r['full_top1'] for r in matched])
    secs = [full[r['candidate']][1] for r in matched]
    total = full_seconds if full_seconds else (sum(secs) if secs and None not in secs else None)
    if total:
        probe_secs = sum(r['probe_seconds'] for r in matched)
        out.update(full_seconds=total, cost_fraction=probe_secs / total)
    return out


def write_report(rows: List[dict], info: dict, args, command: str) -> str:
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'ranking.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, restval='')
        writer.writeheader()
        writer.writerows({k: r.get(k, '') for k in FIELDS} for r in rows)
    has_full = info['matched'] > 0
    head = ['rank', 'candidate', 'probe student top-1', 'teacher top-1', 'agreement (%)',
            'KL(teacher ‖ student)', 'teacher ECE (%)', 'teacher NLL', 'probe (s)']
    if has_full:
        head += ['full-run student top-1', 'full-run rank']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    for r in rows:
        cells = [f'{r["rank"]:g}', r['candidate'], f'{r["probe_top1"]:.2f}',
                 f'{r["teacher_top1"]:.2f}', f'{r["agreement"]:.2f}', f'{r["kl"]:.4f}',
                 f'{r["ece"]:.2f}', f'{r["nll"]:.4f}', f'{r["probe_seconds"]:.1f}']
        if has_full:
            cells += [f'{r["full_top1"]:.2f}' if 'full_top1' in r else '-',
                      f'{r["full_rank"]:g}' if 'full_rank' in r else '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines)
    val = f'the first {args.val_size} test images' if args.val_size else 'the test set'
    train = f'the first {args.train_size} training images' if args.train_size else \
        'all training images'
    notes = [f'Probe: `{args.student_config}`, {args.epochs} epoch(s) on {train}, seed '
             f'{args.seed}; every value on {val}. Probes took {info["probe_seconds"]:.1f} s in '
             f'all, {args.workers} at a time.']
    if has_full:
        notes.append(f'Full runs: {", ".join(f"`{p}`" for p in args.full_results)} '
                     f'({info["matched"]} of '
                     f'{info["candidates"]} candidates matched).')
        if 'spearman' in info:
            notes.append(f'Spearman rank correlation, probe vs full runs: '
                         f'{info["spearman"]:.3f} over {info["matched"]} candidates.')
        if 'cost_fraction' in info:
            notes.append(f'Probe cost: {info["cost_fraction"]:.3f} of the full runs\' '
                         f'{info["full_seconds"]:.0f} s.')
    with open(osp.join(args.out, 'ranking.md'), 'w') as f:
        f.write('# Teachers ranked by their probe students\n\n' + ' '.join(notes) +
                f'\n\n{table}\n\nCommand: `{command}`\n')
    plot(rows, has_full, osp.join(args.out, 'ranking.png'), info.get('spearman'))
    return table


def plot(rows: List[dict], has_full: bool, path: str, rho: Optional[float]) -> None:
    """Probe student top-1 against the teacher's own top-1 and, given the full runs,
    against the full-run student top-1."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    panels = [('teacher_top1', 'teacher top-1 (%)')]
    if has_full:
        panels.append(('full_top1', 'full-run student top-1 (%)'))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8), squeeze=False)
    for ax, (key, label) in zip(axes[0], panels):
        pts = [r for r in rows if key in r]
        ax.scatter([r[key] for r in pts], [r['probe_top1'] for r in pts])
        for r in pts:
            ax.annotate(r['candidate'], (r[key], r['probe_top1']), fontsize=7,
                        xytext=(3, 3), textcoords='offset points')
        ax.set_xlabel(label)
        ax.set_ylabel('probe student top-1 (%)')
    if has_full and rho is not None:
        axes[0][-1].set_title(f'Spearman {rho:.3f}', fontsize=9)
    fig.suptitle('Teachers ranked by their probe students')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('candidates', nargs='+', help='teacher checkpoints: PATH, glob or NAME=PATH')
    parser.add_argument('--student-config', required=True,
                        help='a distillation config whose model.teacher_ckpt takes a candidate')
    parser.add_argument('--out', required=True, help='report folder')
    parser.add_argument('--work-dir', help='folder of the probe runs (default: OUT/probes)')
    parser.add_argument('--epochs', type=int, default=1, help='probe epochs (default 1)')
    parser.add_argument('--train-size', type=int, default=8000,
                        help='probe training images, the first N (default 8000; 0: all)')
    parser.add_argument('--val-size', type=int, default=0,
                        help='evaluation images, the first N of the test split (default 0: all)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 1) // 2),
                        help='probes at once, each in its own process (default: half the cores)')
    parser.add_argument('--full-results', nargs='+', metavar='FILE',
                        help='full-run student accuracies: a pipeline results.csv, a '
                        'candidate,accuracy CSV or a JSON {candidate: accuracy}; of several '
                        'files, a candidate takes its value from the first that has it')
    parser.add_argument('--full-method', default='kd',
                        help="KD method of a pipeline results.csv's rows (default kd)")
    parser.add_argument('--full-seconds', type=float,
                        help="the full runs' total seconds (default: their seconds column)")
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='more --cfg-options for every probe run')
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.workers < 1 or args.train_size < 0 or args.val_size < 0:
        parser.error('--epochs and --workers must be >= 1, --train-size and --val-size >= 0')
    if not osp.isfile(args.student_config):
        parser.error(f'--student-config {args.student_config!r} not found')
    for path in args.full_results or []:
        if not osp.isfile(path):
            parser.error(f'--full-results {path!r} not found')
    args.work_dir = args.work_dir or osp.join(args.out, 'probes')
    return args


def main(argv=None) -> str:
    args = parse_args(argv)
    candidates = expand_candidates(args.candidates)
    full: Dict[str, Tuple[float, Optional[float]]] = {}
    for path in args.full_results or []:
        for name, value in read_full_results(path, candidates, args.full_method).items():
            full.setdefault(name, value)
    rows = rank_rows(run_probes(candidates, args), full)
    info = summary(rows, full, args.full_seconds)
    # paths relative to the working directory: a stored command names no machine's folders
    argv = sys.argv[1:] if argv is None else list(argv)
    command = ' '.join(['python tools/analysis/select_teacher.py'] +
                       [osp.relpath(a) if osp.isabs(a) else a for a in argv])
    table = write_report(rows, info, args, command)
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(info, f, indent=1)
    print(f'\n{table}\n')
    return table


if __name__ == '__main__':
    main()

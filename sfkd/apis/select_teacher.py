"""Choose a teacher by its students: a short distillation probe per candidate teacher.

Each candidate teacher checkpoint (teacher types, seeds, checkpoints of earlier
epochs: early-stopped teachers are often better teachers, Cho and Hariharan,
ICCV 2019, arXiv:1910.01348) goes into the student config as
``model.teacher_ckpt``, and a short run of that config (:class:`Probe`: epochs on
the first training images) trains a probe student. The candidates are ranked by
their probe students' top-1 on the evaluation images, next to each teacher's own
top-1 there, the probe student's top-1 agreement with it and KL(teacher ||
student) (:mod:`sfkd.apis.agreement`), and the teacher's calibration, ECE (15
bins, %) and NLL (:mod:`sfkd.apis.calibration`). Probes run in several processes
at once. A probe that finished with the same config, checkpoint (path and
modification time) and options is not run again (its ``probe.json`` in the
probe's work dir), so a second call with other full results only writes the report.

Given the full-length students of the same candidates (:func:`read_full_results`),
the report adds the Spearman rank correlation between the probe's ranking and the
full runs', and the probe's cost as a fraction of the full runs'.

Example::

    from sfkd.apis.select_teacher import Probe, select_teacher

    probe = Probe('sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py',
                  work_dir='work_dirs/select_teacher/probes', epochs=1, train_size=8000)
    rows, info, table = select_teacher(['work_dirs/pipeline_full/teacher_*/teacher_final.pth'],
                                probe, 'work_dirs/select_teacher', workers=2)

The command is ``python tools/select_teacher.py`` (:mod:`sfkd.tools.select_teacher`).
"""
import csv
import dataclasses
import glob
import json
import logging
import os
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence, Tuple

from sfkd.utils.errors import BadConfigError, CheckpointError
from sfkd.utils.report import annotate_points, figure, markdown_table

FIELDS = ['rank', 'candidate', 'checkpoint', 'probe_top1', 'teacher_top1', 'agreement', 'kl',
          'ece', 'nll', 'probe_seconds', 'full_top1', 'full_rank']
FullResults = Dict[str, Tuple[float, Optional[float]]]  # candidate -> (accuracy, seconds)


@dataclasses.dataclass(frozen=True)
class Probe:
    """How each candidate is probed: ``student_config`` (a distillation config whose
    ``model.teacher_ckpt`` takes the candidate) trained for ``epochs`` on the first
    ``train_size`` training images (0: all), evaluated on the first ``val_size``
    images of its validation split (0: all), with ``seed`` and the extra
    ``cfg_options`` (``key=value`` strings); each probe run in ``work_dir/probe_<name>``."""
    student_config: str
    work_dir: str
    epochs: int = 1
    train_size: int = 8000
    val_size: int = 0
    seed: int = 0
    cfg_options: Tuple[str, ...] = ()

    def options(self, ckpt: str) -> List[str]:
        """The ``key=value`` options of the probe run from ``ckpt``."""
        opts = [f'model.teacher_ckpt={ckpt}', f'train_cfg.max_epochs={self.epochs}',
                f'train_cfg.val_interval={self.epochs}', f'randomness.seed={self.seed}',
                'log_level=ERROR', 'default_hooks.checkpoint.max_keep_ckpts=1']
        if self.train_size:
            opts.append(f'train_dataloader.dataset.indices={self.train_size}')
        if self.val_size:
            opts.append(f'val_dataloader.dataset.indices={self.val_size}')
        return opts + list(self.cfg_options)


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
            raise CheckpointError(f'candidate {spec!r} matches no file; give teacher '
                                  'checkpoint files (e.g. work_dirs/<teacher run>/'
                                  'teacher_final.pth) or a glob that matches some')
        for path in paths:
            if not osp.isfile(path):
                raise CheckpointError(f'candidate checkpoint {path!r} not found; give a '
                                      'teacher checkpoint file (e.g. work_dirs/<teacher run>/'
                                      'teacher_final.pth) or a glob')
            label = name if name and len(paths) == 1 else \
                (f'{name}/{candidate_name(path)}' if name else candidate_name(path))
            out.append((label, path))
    names = [n for n, _ in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise BadConfigError(f'candidates named twice: {dupes}; name them with NAME=PATH')
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
                      method: str = 'kd') -> FullResults:
    """``{candidate: (full-run student accuracy, seconds or None)}`` for the candidates
    that ``path`` has results of (means over seeds).

    ``path`` is a pipeline's ``results.csv``, whose ``distill`` rows of ``method`` are
    matched to candidates named ``<type>`` or ``teacher_<type>`` (the name of a
    pipeline teacher's ``teacher_<type>/teacher_final.pth``); or a CSV with
    ``candidate,accuracy[,seconds]`` columns; or a JSON ``{candidate or checkpoint:
    accuracy}``."""
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
        raise BadConfigError(f'{path}: expected a pipeline results.csv (kind, teacher, method, '
                             'accuracy columns), a CSV with candidate and accuracy columns, or '
                             'a JSON {candidate: accuracy}')
    found = {}
    for name, key in key_of.items():
        if key in groups:
            rs = groups[key]
            secs = [float(r['seconds']) for r in rs if r.get('seconds')]
            found[name] = (statistics.mean(float(r['accuracy']) for r in rs),
                           sum(secs) if len(secs) == len(rs) else None)
    return found


def read_all_full_results(paths: Sequence[str], candidates: Sequence[Tuple[str, str]],
                          method: str = 'kd') -> FullResults:
    """:func:`read_full_results` of several files; a candidate takes its value from the
    first file that has it."""
    full: FullResults = {}
    for path in paths:
        for name, value in read_full_results(path, candidates, method).items():
            full.setdefault(name, value)
    return full


# ---------------------------------------------------------------------- probe
def probe(name: str, ckpt: str, settings: Probe, threads: int = 0) -> dict:
    """Train the probe student from ``ckpt`` and measure it and its teacher (or read
    the row of the same probe finished earlier)."""
    import torch

    from sfkd.apis.agreement import agreement_metrics, predict_logits
    from sfkd.apis.calibration import calibration_metrics
    from sfkd.apis.pipeline import cfg_options
    from sfkd.apis.training import train

    work_dir = osp.join(settings.work_dir, 'probe_' + name.replace('/', '_'))
    options = settings.options(ckpt)
    key = dict(config=settings.student_config, checkpoint=osp.abspath(ckpt),
               checkpoint_mtime=osp.getmtime(ckpt), options=options)
    done_file = osp.join(work_dir, 'probe.json')
    if osp.isfile(done_file):
        done = json.load(open(done_file))
        if done.get('key') == key:
            return dict(done['row'], candidate=name, checkpoint=ckpt)
    if threads:
        torch.set_num_threads(threads)
    logging.getLogger('mmengine').setLevel(logging.WARNING)
    start = time.perf_counter()
    runner = train(settings.student_config, work_dir=work_dir,
                   cfg_options=cfg_options(options)).runner
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


def run_probes(candidates: Sequence[Tuple[str, str]], settings: Probe,
               workers: int = 1) -> List[dict]:
    """One probe per candidate, ``workers`` at a time (1: in this process)."""
    workers = max(1, min(workers, len(candidates)))
    if workers == 1:
        return [probe(name, ckpt, settings) for name, ckpt in candidates]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(probe, name, ckpt, settings, threads)
                   for name, ckpt in candidates]
        return [f.result() for f in futures]


# --------------------------------------------------------------------- report
def rank_rows(rows: List[dict], full: FullResults) -> List[dict]:
    """Rows sorted by probe accuracy with their rank, and the full runs' where known."""
    for r, rk in zip(rows, ranks([r['probe_top1'] for r in rows])):
        r['rank'] = rk
    matched = [r for r in rows if r['candidate'] in full]
    for r in matched:
        r['full_top1'] = full[r['candidate']][0]
    for r, rk in zip(matched, ranks([r['full_top1'] for r in matched])):
        r['full_rank'] = rk
    return sorted(rows, key=lambda r: (r['rank'], r['candidate']))


def summary(rows: List[dict], full: FullResults, full_seconds: Optional[float]) -> dict:
    """Candidates, how many have full results, the probes' seconds, and (given full
    results) the Spearman correlation and the probes' cost fraction."""
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


def write_report(rows: List[dict], info: dict, settings: Probe, out: str, workers: int,
                 full_results: Sequence[str], command: str) -> str:
    """ranking.csv, ranking.md (the table, the notes and ``command``), ranking.png and
    summary.json in ``out``; returns the table."""
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'ranking.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, restval='')
        writer.writeheader()
        writer.writerows({k: r.get(k, '') for k in FIELDS} for r in rows)
    has_full = info['matched'] > 0
    head = ['rank', 'candidate', 'probe student top-1', 'teacher top-1', 'agreement (%)',
            'KL(teacher ‖ student)', 'teacher ECE (%)', 'teacher NLL', 'probe (s)']
    if has_full:
        head += ['full-run student top-1', 'full-run rank']
    cells = []
    for r in rows:
        cells.append([f'{r["rank"]:g}', r['candidate'], f'{r["probe_top1"]:.2f}',
                      f'{r["teacher_top1"]:.2f}', f'{r["agreement"]:.2f}', f'{r["kl"]:.4f}',
                      f'{r["ece"]:.2f}', f'{r["nll"]:.4f}', f'{r["probe_seconds"]:.1f}'])
        if has_full:
            cells[-1] += [f'{r["full_top1"]:.2f}' if 'full_top1' in r else '-',
                          f'{r["full_rank"]:g}' if 'full_rank' in r else '-']
    table = '\n'.join(markdown_table(head, cells))
    val = f'the first {settings.val_size} test images' if settings.val_size else 'the test set'
    train = f'the first {settings.train_size} training images' if settings.train_size else \
        'all training images'
    notes = [f'Probe: `{settings.student_config}`, {settings.epochs} epoch(s) on {train}, seed '
             f'{settings.seed}; every value on {val}. Probes took {info["probe_seconds"]:.1f} s '
             f'in all, {workers} at a time.']
    if has_full:
        notes.append(f'Full runs: {", ".join(f"`{p}`" for p in full_results)} '
                     f'({info["matched"]} of '
                     f'{info["candidates"]} candidates matched).')
        if 'spearman' in info:
            notes.append(f'Spearman rank correlation, probe vs full runs: '
                         f'{info["spearman"]:.3f} over {info["matched"]} candidates.')
        if 'cost_fraction' in info:
            notes.append(f'Probe cost: {info["cost_fraction"]:.3f} of the full runs\' '
                         f'{info["full_seconds"]:.0f} s.')
    with open(osp.join(out, 'ranking.md'), 'w') as f:
        f.write('# Teachers ranked by their probe students\n\n' + ' '.join(notes) +
                f'\n\n{table}\n\nCommand: `{command}`\n')
    plot(rows, has_full, osp.join(out, 'ranking.png'), info.get('spearman'))
    with open(osp.join(out, 'summary.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return table


def plot(rows: List[dict], has_full: bool, path: str, rho: Optional[float]) -> None:
    """Probe student top-1 against the teacher's own top-1 and, given the full runs,
    against the full-run student top-1."""
    panels = [('teacher_top1', 'teacher top-1 (%)')]
    if has_full:
        panels.append(('full_top1', 'full-run student top-1 (%)'))
    with figure(path, len(panels), figsize=(4.6 * len(panels), 3.8), squeeze=False) as \
            (fig, axes):
        for ax, (key, label) in zip(axes[0], panels):
            pts = [r for r in rows if key in r]
            ax.scatter([r[key] for r in pts], [r['probe_top1'] for r in pts])
            annotate_points(ax, [(r[key], r['probe_top1'], r['candidate']) for r in pts])
            ax.set_xlabel(label)
            ax.set_ylabel('probe student top-1 (%)')
        if has_full and rho is not None:
            axes[0][-1].set_title(f'Spearman {rho:.3f}', fontsize=9)
        fig.suptitle('Teachers ranked by their probe students')


def select_teacher(candidates: Sequence[str], settings: Probe, out: str, workers: int = 1,
                   full_results: Sequence[str] = (), full_method: str = 'kd',
                   full_seconds: Optional[float] = None,
                   command: str = '') -> Tuple[List[dict], dict, str]:
    """Probe every candidate (``PATH``, glob or ``NAME=PATH``), rank them and write the
    report to ``out`` (:func:`write_report`, ``command`` as its stored command); return
    the ranked rows, the summary (:func:`summary`) and the Markdown table."""
    found = expand_candidates(candidates)
    for path in full_results:
        if not osp.isfile(path):
            raise BadConfigError(f'full results {path!r} not found; give a pipeline '
                                 'results.csv, a candidate,accuracy CSV or a JSON '
                                 '{candidate: accuracy}')
    full = read_all_full_results(full_results, found, full_method)
    rows = rank_rows(run_probes(found, settings, workers), full)
    info = summary(rows, full, full_seconds)
    table = write_report(rows, info, settings, out, workers, full_results, command)
    return rows, info, table

"""The two-stage pipeline's dense and MRI studies, from their folders under ``results/``.

A folder is what ``tools/run_pipeline.py`` stores: ``results.md`` (one table per metric,
written by ``sfkd/apis/report.py``), ``results.csv`` (one row per run) and, for newer runs,
``provenance.json``. Kinds:

- ``tasks-setup DIR``: what ran (the stored description, command, training time, machine,
  commits and files);
- ``tasks-tables DIR``: the stored tables, with their labels and the stored verdict;
- ``tasks-versus DIR [METRIC [CONTROL]]``: per teacher and method, the students of a metric
  (the first by default) against their teacher, the student alone, the same method's
  students of every other teacher and, with ``CONTROL``, that method's students of the
  same teacher; margins tested with Welch's t-test over the seeds
  (:func:`results_methods.versus`);
- ``tasks-study DIR``: a study that may not be stored yet: a sentence saying so while the
  folder holds no ``results.md``, else its setup, tables, figure and comparison.
"""
import functools
import json
import os.path as osp
import re
import statistics
from typing import Dict, List, Tuple

from . import ROOT
from .markdown import read, table
from .results_methods import (blocks, csv_rows, mean_std, signed, signed_range, stored_tables,
                              study_setup, table_cells, training_time, verdict_level, versus)

#: the studies whose numbers the pages' prose quotes, by substitution prefix
STUDIES = {'detfull': 'results/pipeline_det_full', 'segfull': 'results/pipeline_seg_full',
           'mrifull': 'results/pipeline_mri_full'}
#: where a page under docs/en/results/ finds the repository root (a generated image link)
PAGE_TO_ROOT = '../../..'


def _key(label: str) -> str:
    return re.sub(r'[^a-z0-9]', '', label.lower())


class Study:
    """The cells of a stored pipeline study, read from its ``results.csv``, in the order
    and with the labels and decimals of its ``results.md`` tables."""

    def __init__(self, folder: str):
        self.folder = folder
        self.md = read(f'{folder}/results.md')
        self.rows = csv_rows(f'{folder}/results.csv')
        fields = list(self.rows[0])
        first = fields.index('teacher_seed' if 'teacher_seed' in fields else 'seed') + 1
        self.metrics = [f for f in fields[first:] if not f.startswith('teacher_')
                        and f != 'seconds']
        tables = [t for label, t in stored_tables(self.md)
                  if table_cells(t)[0][0] == 'teacher' and 'spread' not in t.splitlines()[0]]
        if len(tables) != len(self.metrics):
            raise ValueError(f'{folder}: {len(tables)} metric tables for the metrics '
                             f'{self.metrics} of results.csv')
        self.tables = dict(zip(self.metrics, tables))
        cells = table_cells(tables[0])
        self.method_label = {}
        for header in cells[0][2:]:
            label = header.rsplit(', ', 1)[-1]
            key = next((m for m in {r['method'] for r in self.rows} if _key(m) == _key(label)),
                       None)
            if key is None:
                raise ValueError(f'{folder}: no method of results.csv for the column {header!r}')
            self.method_label[key] = label
        self.methods = list(self.method_label)
        self.teacher_label, self.references = {}, {}
        names = {r['teacher'] for r in self.rows if r['kind'] == 'teacher'}
        for row in cells[1:]:
            if row[0].startswith('('):
                continue
            key = next((t for t in names if _key(t) == _key(row[0])), None)
            if key is None:
                raise ValueError(f'{folder}: no teacher of results.csv for the row {row[0]!r}')
            self.teacher_label[key] = row[0]
        self.teachers = list(self.teacher_label)
        self.digits = {}
        for metric, block in self.tables.items():
            for row in table_cells(block)[1:]:
                if row[0] == '(student alone)':
                    number = row[2].split()[0]
                    self.digits[metric] = len(number.partition('.')[2])
                elif row[0].startswith('(') and row[0] != '(student alone)':
                    self.references[(metric, row[0].strip('()'))] = float(row[2].split()[0])

    def teacher(self, metric: str, teacher: str) -> float:
        values = [float(r[metric]) for r in self.rows
                  if r['kind'] == 'teacher' and r['teacher'] == teacher]
        return statistics.mean(values)

    def students(self, metric: str, teacher: str, method: str) -> List[float]:
        return [float(r[metric]) for r in self.rows if r['kind'] == 'distill'
                and r['teacher'] == teacher and r['method'] == method]

    def alone(self, metric: str) -> List[float]:
        return [float(r[metric]) for r in self.rows if r['kind'] == 'alone']

    def cells(self, metric: str) -> List[Tuple[str, str, List[float]]]:
        return [(t, m, self.students(metric, t, m)) for t in self.teachers for m in self.methods
                if self.students(metric, t, m)]

    def metric_label(self, metric: str) -> str:
        return table_cells(self.tables[metric])[0][1][len('teacher '):]


@functools.lru_cache(maxsize=None)
def study(folder: str) -> Study:
    return Study(folder)


def tasks_setup(folder: str) -> str:
    return study_setup(folder)


def tasks_tables(folder: str) -> str:
    """What the stored report shows between its description and its command: the tables
    with their labels, the teacher-seed spread and the verdict, as stored."""
    parts = blocks(study(folder).md)
    end = next(i for i, b in enumerate(parts) if b.startswith('Command: `'))
    return '\n\n'.join(parts[2:end])


def tasks_versus(folder: str, metric: str = '', control: str = '') -> str:
    s = study(folder)
    metric = metric or s.metrics[0]
    d, alone = s.digits[metric], s.alone(metric)
    header = ['teacher', 'method', f'student {s.metric_label(metric)}',
              'student − its teacher', 'vs the student alone']
    several = len(s.teachers) > 1
    if several:
        header.append('vs the same method from the other teacher' +
                      ('s' if len(s.teachers) > 2 else ''))
    if control:
        header.append(f'vs {s.method_label[control]} from the same teacher')
    rows = []
    for t, m, values in s.cells(metric):
        if m == control:
            continue
        row = [s.teacher_label[t], s.method_label[m], mean_std(values, d),
               signed(statistics.mean(values) - s.teacher(metric, t), d),
               versus(values, alone, d)]
        if several:
            others = [(o, s.students(metric, o, m)) for o in s.teachers if o != t]
            named = len(s.teachers) > 2
            row.append('; '.join((f'{s.teacher_label[o]}: ' if named else '') +
                                 versus(values, theirs, d) for o, theirs in others if theirs)
                       or '-')
        if control:
            row.append(versus(values, s.students(metric, t, control), d))
        rows.append(row)
    return table(header, rows)


def tasks_against(folder: str, *baselines: str) -> str:
    """Each other method's students against the students of the ``baselines`` from the
    same teacher (Welch's two-sided t-test over the seeds)."""
    s = study(folder)
    metric = s.metrics[0]
    d = s.digits[metric]
    missing = [b for b in baselines if b not in s.methods]
    if not baselines or missing:
        raise ValueError(f'{folder}: name the baseline methods of its table '
                         f'({", ".join(s.methods)}); not in it: {missing}')
    header = ['teacher', 'method', f'student {s.metric_label(metric)}'] + \
        [f'vs {s.method_label[b]}' for b in baselines]
    rows = [[s.teacher_label[t], s.method_label[m], mean_std(values, d)] +
            [versus(values, s.students(metric, t, b), d) for b in baselines]
            for t, m, values in s.cells(metric) if m not in baselines]
    return table(header, rows)


def tasks_study(folder: str, *baselines: str) -> str:
    """A study that is being run: a sentence until its report is stored."""
    if not osp.isfile(osp.join(ROOT, folder, 'results.md')):
        return (f'Not stored yet: `{folder}/` holds no results. Once the run has stored '
                'them, `python tools/docs/generate.py` shows its tables here.')
    out = [tasks_setup(folder), tasks_tables(folder)]
    if osp.isfile(osp.join(ROOT, folder, 'results.png')):
        out.append(f'![the students of each method]({PAGE_TO_ROOT}/{folder}/results.png)')
    teachers = len(study(folder).teachers)
    against = ['its teacher', 'the student alone'] + (
        ['the same method from the other teacher' + ('s' if teachers > 2 else '')]
        if teachers > 1 else [])
    out.append(f"Each student against {', '.join(against[:-1])} and {against[-1]}, with "
               "Welch's two-sided t-test over the seeds:")
    out.append(tasks_versus(folder))
    if baselines:
        names = ' and '.join(study(folder).method_label[b] for b in baselines)
        out.append(f'The newer methods against {names}, from the same teacher (a margin is '
                   'called a difference only at Welch\'s p < ' f'{verdict_level():g}):')
        out.append(tasks_against(folder, *baselines))
    return '\n\n'.join(out)


# ------------------------------------------------------------------ numbers for the prose


def _study_substitutions(prefix: str, folder: str) -> Dict[str, str]:
    s, out = study(folder), {}
    minutes, runs = training_time(s.md)
    out[f'{prefix}_minutes'], out[f'{prefix}_runs'] = minutes, runs
    for metric in s.metrics:
        p, d = f'{prefix}_{metric.lower()}', s.digits[metric]
        alone = s.alone(metric)
        out[f'{p}_alone'] = mean_std(alone, d)
        for t in s.teachers:
            out[f'{p}_teacher_{t}'] = f'{s.teacher(metric, t):.{d}f}'
        if len(s.teachers) == 2:
            first, second = s.teachers
            gap = s.teacher(metric, second) - s.teacher(metric, first)
            out[f'{p}_teacher_gap'] = signed(gap, d)
        cells = s.cells(metric)
        for t, m, values in cells:
            out[f'{p}_{t}_{m}'] = mean_std(values, d)
            out[f'{p}_{t}_{m}_vs_alone'] = versus(values, alone, d)
            out[f'{p}_{t}_{m}_vs_teacher'] = \
                signed(statistics.mean(values) - s.teacher(metric, t), d)
            if 'init' in s.methods and m != 'init':
                out[f'{p}_{t}_{m}_vs_init'] = versus(values, s.students(metric, t, 'init'), d)
            for other in s.teachers:
                if other != t and s.students(metric, other, m):
                    out[f'{p}_{t}_{m}_vs_{other}'] = versus(values,
                                                            s.students(metric, other, m), d)
        distilled = [(t, m, v) for t, m, v in cells if m != 'init']
        out[f'{p}_margins_alone'] = signed_range(
            [statistics.mean(v) - statistics.mean(alone) for _, _, v in distilled], d)
        out[f'{p}_margins_teacher'] = signed_range(
            [statistics.mean(v) - s.teacher(metric, t) for t, _, v in distilled], d)
        trained = [s.teacher(metric, t) for t in s.teachers] + \
            [statistics.mean(v) for _, _, v in cells] + [statistics.mean(alone)]
        for (ref_metric, label), value in s.references.items():
            if ref_metric == metric:
                name = f'{p}_{_key(label)}'
                out[name] = f'{value:.{d}f}'
                out[f'{name}_margins'] = signed_range([v - value for v in trained], d)
    if 'init' in s.methods:
        out[f'{prefix}_init_standard_check'] = _init_check(s)
    return out


def _init_check(s: Study) -> str:
    """Whether INIT from the standard teacher (no teacher signal, a start from scratch)
    reproduces the student alone seed by seed, in every metric."""
    alone = {r['seed']: r for r in s.rows if r['kind'] == 'alone'}
    init = {r['seed']: r for r in s.rows if r['kind'] == 'distill'
            and r['teacher'] == 'standard' and r['method'] == 'init'}
    differ = [seed for seed, r in init.items()
              if seed not in alone or any(r[m] != alone[seed][m] for m in s.metrics)]
    if not differ:
        return (f"the student alone's, seed by seed in every metric ({len(init)} seeds)")
    return (f"not the student alone's: {len(differ)} of {len(init)} seeds differ in at least "
            'one metric')


def _last(rel: str, key: str) -> dict:
    """The last record of a stored training log (``*_scalars.json``) that has ``key``."""
    records = [json.loads(line) for line in read(rel).splitlines() if line.strip()]
    return [r for r in records if key in r][-1]


def _seg_log_substitutions() -> Dict[str, str]:
    """The two segmentation teachers' last training iteration and validation."""
    folder, out = STUDIES['segfull'], {}
    for teacher in ('standard', 'sftn'):
        rel = f'{folder}/teacher_{teacher}_scalars.json'
        train, val = _last(rel, 'loss'), _last(rel, 'mIoU')
        own = train.get('decode.loss_ce', train.get('teacher.decode.loss_ce'))
        out[f'segfull_log_ce_{teacher}'] = f'{own:.3f}'
        out[f'segfull_log_aacc_{teacher}'] = f"{val['aAcc']:.1f}"
        out[f'segfull_log_macc_{teacher}'] = f"{val['mAcc']:.1f}"
        out[f'segfull_log_iter_{teacher}'] = str(train['iter'])
        if teacher == 'sftn':
            branch = sorted(k for k in train if k.startswith('student.') and
                            k.endswith('.loss_ce'))
            imitation = sorted(k for k in train if k.endswith('loss_imitation'))
            out['segfull_log_branch_ce'] = ' and '.join(f'{train[k]:.3f}' for k in branch)
            out['segfull_log_imitation'] = ' and '.join(f'{train[k]:.3f}' for k in imitation)
    return out


def substitutions() -> Dict[str, str]:
    out = {}
    for prefix, folder in STUDIES.items():
        out.update(_study_substitutions(prefix, folder))
    out.update(_seg_log_substitutions())
    return out


RENDERERS = {
    'tasks-setup': tasks_setup,
    'tasks-tables': tasks_tables,
    'tasks-versus': tasks_versus,
    'tasks-study': tasks_study,
}

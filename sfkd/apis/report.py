"""The pipeline's report: a table per metric (mean ± std over seeds), the CSV
of every run, the training time, and a bar plot of the first metric.

Everything task-specific comes from the :class:`~sfkd.apis.tasks.Task`:
metric names and labels, title, reference rows and the predictions drawing.
"""
import csv
import os.path as osp
import statistics
from typing import Dict, List

from sfkd.apis.tasks import Metric, Scale, Task
from sfkd.utils.machine import machine_line


def mean_std(values: List[float], digits: int = 2) -> str:
    if len(values) < 2:
        return f'{values[0]:.{digits}f}' if values else '-'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def _grouped(results: List[dict], metric: Metric) -> Dict[str, Dict[str, List[float]]]:
    """teacher type -> KD method -> the students' values over seeds."""
    out: Dict[str, Dict[str, List[float]]] = {}
    for r in results:
        if r['kind'] == 'distill':
            out.setdefault(r['teacher'], {}).setdefault(r['method'], []).append(
                r['metrics'][metric.name])
    return out


def metric_table(task: Task, results: List[dict], scale: Scale, metric: Metric,
                 references: Dict[str, Dict[str, float]]) -> str:
    """Teachers as rows, KD methods as columns; then the student alone and the references."""
    d = metric.digits
    teacher = {r['teacher']: r['metrics'][metric.name] for r in results if r['kind'] == 'teacher'}
    alone = [r['metrics'][metric.name] for r in results if r['kind'] == 'alone']
    students = _grouped(results, metric)
    blank = ' |' * (len(scale.methods) - 1)
    lines = [f'| teacher | teacher {metric.label} | ' + ' | '.join(
        f'student {metric.label}, {m.upper()}' for m in scale.methods) + ' |',
        '|' + ' --- |' * (2 + len(scale.methods))]
    for t in scale.teachers:
        cells = [mean_std(students.get(t, {}).get(m, []), d) for m in scale.methods]
        value = f'{teacher[t]:.{d}f}' if t in teacher else '-'
        lines.append(f'| {t} | {value} | ' + ' | '.join(cells) + ' |')
    lines.append(f'| (student alone) | - | {mean_std(alone, d)} (no teacher) |' + blank)
    for label, values in references.items():
        lines.append(f'| ({label}) | - | {values[metric.name]:.{d}f} (no training) |' + blank)
    return '\n'.join(lines)


def write_csv(task: Task, results: List[dict], path: str) -> None:
    names = [m.name for m in task.metrics]
    fields = ['kind', 'teacher', 'method', 'seed', *names, *(f'teacher_{n}' for n in names),
              'seconds']
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval='')
        writer.writeheader()
        for r in results:
            row = {k: r.get(k, '') for k in ('kind', 'teacher', 'method', 'seed', 'seconds')}
            row.update(r['metrics'])
            row.update({f'teacher_{n}': v for n, v in r.get('teacher_metrics', {}).items()})
            writer.writerow(row)


def summarise(task: Task, results: List[dict], scale: Scale, out_dir: str, command: str) -> str:
    """Write results.csv, results.md and results.png (and the task's drawing,
    if it has one); return the markdown table of the first metric."""
    write_csv(task, results, osp.join(out_dir, 'results.csv'))
    references = {label: f(scale) for label, f in task.references.items()}
    tables = [metric_table(task, results, scale, m, references) for m in task.metrics]
    body = tables[0] if len(tables) == 1 else '\n\n'.join(
        f'{m.label}:\n\n{t}' for m, t in zip(task.metrics, tables))
    md = (f'# Two-stage pipeline on {task.title} ({scale.name} scale)\n\n'
          f'{task.describe(scale)}\n\n{body}\n\nCommand: `{command}`\n' + timing_text(results))
    plot(task, results, scale, osp.join(out_dir, 'results.png'))
    if task.draw:
        drawn = task.draw(results, scale, out_dir)
        if drawn:
            md += f'\nPredictions: `{osp.basename(drawn)}`.\n'
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(md)
    return tables[0]


def timing_text(results: List[dict]) -> str:
    """The training time of the runs (each run's own wall time, summed) and the machine."""
    timed = [r for r in results if 'seconds' in r]
    if not timed:
        return ''
    machines = sorted({machine_line(r['machine']) for r in timed if 'machine' in r})
    missing = len(results) - len(timed)
    return (f"\nTraining time: {sum(r['seconds'] for r in timed) / 60:.1f} min for "
            f'{len(timed)} runs (the sum of their wall times, set-up and data preparation '
            'excluded)' + (f'; {missing} runs have no stored time' if missing else '')
            + '. Machine: ' + ('; '.join(machines) or 'not recorded') + '.\n')


def plot(task: Task, results: List[dict], scale: Scale, path: str) -> None:
    """Grouped bars of the first metric: per KD method, one bar per teacher type."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    metric = task.primary
    students = _grouped(results, metric)
    alone = [r['metrics'][metric.name] for r in results if r['kind'] == 'alone']
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(scale.teachers), 1)
    for j, t in enumerate(scale.teachers):
        means = [statistics.mean(students.get(t, {}).get(m, [0.0])) for m in scale.methods]
        stds = [statistics.stdev(v) if len(v := students.get(t, {}).get(m, [])) > 1 else 0.0
                for m in scale.methods]
        xs = [i + (j - (len(scale.teachers) - 1) / 2) * width for i in range(len(scale.methods))]
        ax.bar(xs, means, width, yerr=stds, capsize=3, label=f'{t} teacher')
    if alone:
        ax.axhline(statistics.mean(alone), color='k', ls='--', lw=1, label='student alone')
    values = [v for d in students.values() for vs in d.values() for v in vs] + alone
    if values:
        ax.set_ylim(min(values) - 1.0, max(values) + 0.8)
    ax.set_xticks(range(len(scale.methods)), [m.upper() for m in scale.methods])
    ax.set_ylabel(f'student {metric.label}')
    ax.set_title(f'{task.title}, {task.student} student ({scale.name} scale)')
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

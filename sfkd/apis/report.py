"""The pipeline's report: a table per metric (mean ± std over seeds), the CSV
of every run, the training time, and a bar plot of the first metric.

With several teacher seeds (results that carry ``teacher_seed``), a teacher
cell is the mean ± std over the teacher seeds, a student cell the mean ± std
over all its runs (every teacher seed, every student seed), and a second
table, the teacher-seed spread, gives for each teacher type and method the
standard deviation over teacher seeds of the per-teacher-seed student means,
with those means: how much of a student cell's spread comes from which
teacher was trained.

Everything task-specific comes from the :class:`~sfkd.apis.tasks.Task`:
metric names and labels, title, reference rows and the predictions drawing. The
cells, tables and the figure are formatted by :mod:`sfkd.utils.report`.
"""
import csv
import os.path as osp
import statistics
from typing import Dict, List, Optional

from sfkd.apis.tasks import Metric, Scale, Task
from sfkd.utils.machine import machine_line
from sfkd.utils.provenance import write_provenance
from sfkd.utils.report import bar_chart, figure, markdown_table, mean_std, std, table_row


def _grouped(results: List[dict], metric: Metric) -> Dict[str, Dict[str, List[float]]]:
    """teacher type -> KD method -> the students' values over seeds (and teacher seeds)."""
    out: Dict[str, Dict[str, List[float]]] = {}
    for r in results:
        if r['kind'] == 'distill':
            out.setdefault(r['teacher'], {}).setdefault(r['method'], []).append(
                r['metrics'][metric.name])
    return out


def teacher_seeds_of(results: List[dict]) -> List[int]:
    """The teacher seeds the results name (none: a run of the single teacher seed 0)."""
    return sorted({r['teacher_seed'] for r in results if 'teacher_seed' in r})


def _by_teacher_seed(results: List[dict], metric: Metric) -> Dict[tuple, Dict[int, List[float]]]:
    """(teacher type, KD method) -> teacher seed -> the students' values over seeds."""
    out: Dict[tuple, Dict[int, List[float]]] = {}
    for r in results:
        if r['kind'] == 'distill':
            out.setdefault((r['teacher'], r['method']), {}).setdefault(
                r.get('teacher_seed', 0), []).append(r['metrics'][metric.name])
    return out


def metric_table(task: Task, results: List[dict], scale: Scale, metric: Metric,
                 references: Dict[str, Dict[str, float]]) -> str:
    """Teachers as rows, KD methods as columns; then the student alone and the references."""
    d = metric.digits
    teacher: Dict[str, List[float]] = {}
    for r in results:
        if r['kind'] == 'teacher':  # over the teacher seeds
            teacher.setdefault(r['teacher'], []).append(r['metrics'][metric.name])
    alone = [r['metrics'][metric.name] for r in results if r['kind'] == 'alone']
    students = _grouped(results, metric)
    blank = [''] * (len(scale.methods) - 1)
    lines = markdown_table(
        ['teacher', f'teacher {metric.label}'] +
        [f'student {metric.label}, {task.method_label(m)}' for m in scale.methods],
        [[task.teacher_label(t), mean_std(teacher.get(t, []), d)] +
         [mean_std(students.get(t, {}).get(m, []), d) for m in scale.methods]
         for t in scale.teachers])
    lines.append(table_row(['(student alone)', '-', f'{mean_std(alone, d)} (no teacher)'] + blank))
    for label, values in references.items():
        lines.append(table_row([f'({label})', '-', f'{values[metric.name]:.{d}f} (no training)']
                               + blank))
    return '\n'.join(lines)


def teacher_seed_table(task: Task, results: List[dict], scale: Scale, metric: Metric) -> str:
    """The teacher-seed spread: per teacher type and KD method, the sample std over teacher
    seeds of the per-teacher-seed student means, and those means in teacher-seed order;
    '' for results of a single teacher seed."""
    seeds = teacher_seeds_of(results)
    if len(seeds) < 2:
        return ''
    d = metric.digits
    groups = _by_teacher_seed(results, metric)
    rows = []
    for t in scale.teachers:
        cells = [task.teacher_label(t)]
        for m in scale.methods:
            per_seed = groups.get((t, m), {})
            means = [statistics.mean(per_seed[s]) for s in seeds if per_seed.get(s)]
            spread = f'{statistics.stdev(means):.{d}f}' if len(means) > 1 else '-'
            cells.append(spread if not means else
                         f"{spread} ({' / '.join(f'{v:.{d}f}' for v in means)})")
        rows.append(cells)
    return '\n'.join(markdown_table(
        ['teacher'] + [f'teacher-seed spread, {task.method_label(m)}' for m in scale.methods],
        rows))


def spread_text(results: List[dict], metric: Metric) -> str:
    seeds = teacher_seeds_of(results)
    return (f'Teacher-seed spread of the student {metric.label}: the standard deviation over '
            f'the teacher seeds {seeds} of each teacher seed\'s mean student (its runs over the '
            'student seeds), and in brackets those means, in teacher-seed order.')


def write_csv(task: Task, results: List[dict], path: str) -> None:
    """Every run, one row; a ``teacher_seed`` column after ``seed`` when the runs carry
    teacher seeds (the file of a single teacher seed has none)."""
    names = [m.name for m in task.metrics]
    keys = ['kind', 'teacher', 'method', 'seed']
    if teacher_seeds_of(results):
        keys.append('teacher_seed')
    fields = [*keys, *names, *(f'teacher_{n}' for n in names), 'seconds']
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval='')
        writer.writeheader()
        for r in results:
            row = {k: r.get(k, '') for k in (*keys, 'seconds')}
            row.update(r['metrics'])
            row.update({f'teacher_{n}': v for n, v in r.get('teacher_metrics', {}).items()})
            writer.writerow(row)


def summarise(task: Task, results: List[dict], scale: Scale, out_dir: str, command: str) -> str:
    """Write results.csv, results.md, results.png and provenance.json
    (:mod:`sfkd.utils.provenance`), and the task's drawing if it has one; return the
    markdown table of the first metric."""
    write_csv(task, results, osp.join(out_dir, 'results.csv'))
    references = {label: f(scale) for label, f in task.references.items()}
    tables = []
    for m in task.metrics:
        table = metric_table(task, results, scale, m, references)
        spread = teacher_seed_table(task, results, scale, m)
        tables.append(table + (f'\n\n{spread_text(results, m)}\n\n{spread}' if spread else ''))
    body = tables[0] if len(tables) == 1 else '\n\n'.join(
        f'{m.label}:\n\n{t}' for m, t in zip(task.metrics, tables))
    switches = switches_text(scale)
    md = (f'# Two-stage pipeline on {task.title} ({scale.name} scale)\n\n'
          f'{task.describe(scale)}' + (f' {switches}' if switches else '') +
          f'\n\n{body}\n\n' + (f'{line}\n\n' if (line := verdict(task, results, scale)) else '')
          + f'Command: `{command}`\n' + timing_text(results))
    plot(task, results, scale, osp.join(out_dir, 'results.png'))
    if task.draw:
        drawn = task.draw(results, scale, out_dir)
        if drawn:
            md += f'\nPredictions: `{osp.basename(drawn)}`.\n'
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(md)
    write_provenance(out_dir, command, scale.seeds, results,
                     teacher_seeds=list(scale.teacher_seeds), scale=scale.name)
    return tables[0]


#: the level at which the verdict calls a margin a difference (Welch's t-test, two-sided)
VERDICT_LEVEL = 0.05


def margin_test(values: List[float], other: List[float]) -> Optional[float]:
    """The two-sided p-value of Welch's t-test that ``values`` and ``other`` have the same
    mean; None with fewer than two values on a side (no spread to test against). Equal
    values on both sides with equal means give 1.0, with different means 0.0."""
    if len(values) < 2 or len(other) < 2:
        return None
    from scipy.stats import t as student_t
    a, b = (statistics.variance(v) / len(v) for v in (values, other))
    margin = statistics.mean(values) - statistics.mean(other)
    if a + b == 0:
        return 1.0 if margin == 0 else 0.0
    df = (a + b) ** 2 / (a ** 2 / (len(values) - 1) + b ** 2 / (len(other) - 1))
    return float(2 * student_t.sf(abs(margin) / (a + b) ** 0.5, df))


def verdict(task: Task, results: List[dict], scale: Scale) -> str:
    """One sentence on what the first metric's table shows: the best student's cell,
    its margin over the best student of any other teacher type under the same KD
    method, and over the student alone.

    Each margin is tested against the seeds' spread with Welch's two-sided t-test
    (:func:`margin_test`): it is called a difference only at p < :data:`VERDICT_LEVEL`,
    otherwise "not told apart from seed noise" with its p-value; with one seed a
    cell there is nothing to test, and the sentence says so. Few seeds test weakly
    (with two a side, only a margin of many standard deviations passes), so a
    margin that differs between two machines' re-runs stays untold on both."""
    metric, d = task.primary, task.primary.digits
    students = _grouped(results, metric)
    cells = [(statistics.mean(v), t, m, v) for t in scale.teachers
             for m, v in students.get(t, {}).items() if v and m in scale.methods]
    if not cells:
        return ''
    best, teacher, method, values = max(cells, key=lambda c: c[0])

    def against(other_mean: float, other: List[float], name: str) -> str:
        margin, p = best - other_mean, margin_test(values, other)
        if p is None:
            word = 'one seed a side: not tested against seed noise'
        elif p < VERDICT_LEVEL:
            word = f"a difference (Welch's t-test, p = {p:.2g})"
        else:
            word = f"not told apart from seed noise (Welch's t-test, p = {p:.2g})"
        return f'{margin:+.{d}f} over {name} ({mean_std(other, d)}; {word})'

    parts = []
    rivals = [c for c in cells if c[2] == method and c[1] != teacher]
    if rivals:
        r_mean, r_teacher, _, r_values = max(rivals, key=lambda c: c[0])
        parts.append(against(r_mean, r_values, f'the {task.teacher_label(r_teacher)} teacher'))
    alone = [r['metrics'][metric.name] for r in results if r['kind'] == 'alone']
    if alone:
        parts.append(against(statistics.mean(alone), alone, 'the student alone'))
    return (f'Best student {metric.label}: {task.method_label(method)} from the '
            f'{task.teacher_label(teacher)} '
            f'teacher, {mean_std(values, d)}' + (f", {'; '.join(parts)}" if parts else '') + '.')


def switches_text(scale: Scale) -> str:
    """The scale's non-default student weights and training pipeline, as a sentence
    ('' at the defaults)."""
    parts = []
    if scale.student_weights != 'shared':
        parts.append(f"students' loss weights: {scale.student_weights} (each teacher paper's "
                     'student stage)')
    if scale.train_pipeline_from:
        parts.append(f'training pipeline of every run: `{scale.train_pipeline_from}`')
    text = '; '.join(parts)
    return f'{text[0].upper()}{text[1:]}.' if parts else ''


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
    """Grouped bars of the first metric: per KD method, one bar per teacher type (its
    students' mean, the error bar their std over all runs, teacher seeds included)."""
    metric = task.primary
    students = _grouped(results, metric)
    alone = [r['metrics'][metric.name] for r in results if r['kind'] == 'alone']
    bars = [(f'{task.teacher_label(t)} teacher',
             [statistics.mean(students.get(t, {}).get(m, [0.0])) for m in scale.methods],
             [std(students.get(t, {}).get(m, [])) for m in scale.methods])
            for t in scale.teachers]
    with figure(path, figsize=(7, 4)) as (_, ax):
        bar_chart(ax, [task.method_label(m) for m in scale.methods], bars,
                  reference=('student alone', statistics.mean(alone)) if alone else None,
                  values=[v for d in students.values() for vs in d.values() for v in vs] + alone,
                  ylabel=f'student {metric.label}',
                  title=f'{task.title}, {task.student} student ({scale.name} scale)')
        ax.legend(fontsize=8, loc='lower right')

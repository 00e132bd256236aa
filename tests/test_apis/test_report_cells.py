"""The pipeline's summary cells (mean ± sample standard deviation over seeds) from
made-up results; every expected cell is worked out by hand in the comments."""
import dataclasses
import random

import pytest

from sfkd.apis import get_task, summarise
from sfkd.apis.report import mean_std, metric_table

pytestmark = pytest.mark.unit

TASK = get_task('cls')
SCALE = dataclasses.replace(TASK.scales['full'], seeds=(0, 1, 2),
                            teachers=('standard', 'sftn', 'soteacher'), methods=('kd', 'fitnets'))
STUDENTS = {  # (teacher, method) -> accuracy of seeds 0, 1, 2
    ('standard', 'kd'): [90.0, 91.0, 92.0],
    ('standard', 'fitnets'): [88.0, 89.0, 91.0],
    ('sftn', 'kd'): [89.5, 89.5, 89.5],
    ('sftn', 'fitnets'): [87.0, 90.0, 87.0],
}
TABLE = [
    '| teacher | teacher top-1 | student top-1, KD | student top-1, FitNets |',  # Task.method_labels
    '| --- | --- | --- | --- |',
    # mean 91; deviations -1, 0, 1 -> sqrt(2 / 2) = 1
    # mean 268 / 3 = 89.33; deviations -4/3, -1/3, 5/3 -> sqrt((16 + 1 + 25) / 9 / 2) = 1.53
    '| standard | 93.12 | 91.00 ± 1.00 | 89.33 ± 1.53 |',
    # no spread -> 0.00; mean 88, deviations -1, 2, -1 -> sqrt(6 / 2) = 1.73
    '| SFTN | 92.00 | 89.50 ± 0.00 | 88.00 ± 1.73 |',
    '| SoTeacher | - | - | - |',  # Task.teacher_labels; neither a teacher run nor students
    # mean 85.5; deviations -0.5, 0.5 -> sqrt(0.5 / 1) = 0.71
    '| (student alone) | - | 85.50 ± 0.71 (no teacher) | |',
]


def results():
    out = [dict(kind='teacher', teacher='standard', method='-', seed=0,
                metrics={'accuracy': 93.1234}),
           dict(kind='teacher', teacher='sftn', method='-', seed=0, metrics={'accuracy': 92.0}),
           dict(kind='alone', teacher='-', method='-', seed=0, metrics={'accuracy': 85.0}),
           dict(kind='alone', teacher='-', method='-', seed=1, metrics={'accuracy': 86.0})]
    for (teacher, method), values in STUDENTS.items():
        out += [dict(kind='distill', teacher=teacher, method=method, seed=seed,
                     metrics={'accuracy': v}, seconds=30.0) for seed, v in enumerate(values)]
    random.Random(0).shuffle(out)  # the order of the runs does not matter
    return out


def test_mean_std_cells():
    assert mean_std([88.0, 89.0, 91.0]) == '89.33 ± 1.53'  # sample std (n - 1), not 1.25
    assert mean_std([88.0, 89.0, 91.0], digits=1) == '89.3 ± 1.5'
    assert mean_std([90.25]) == '90.25'                    # one seed: no spread to show
    assert mean_std([]) == '-'


def test_metric_table_groups_runs_by_teacher_and_method():
    table = metric_table(TASK, results(), SCALE, TASK.primary, references={})
    assert table.splitlines() == TABLE


def test_summarise_writes_the_table_and_every_run(tmp_path):
    runs = results()
    table = summarise(TASK, runs, SCALE, str(tmp_path), 'python tools/run_pipeline.py')
    assert table.splitlines() == TABLE
    md = open(tmp_path / 'results.md').read()
    assert '\n'.join(TABLE) in md
    # 12 distillation runs of 30 s each: 6.0 min
    assert 'Training time: 6.0 min for 12 runs' in md and '4 runs have no stored time' in md
    rows = open(tmp_path / 'results.csv').read().splitlines()
    assert len(rows) == 1 + len(runs)
    import json
    provenance = json.load(open(tmp_path / 'provenance.json'))
    assert (provenance['command'], provenance['seeds'], provenance['runs']) == (
        'python tools/run_pipeline.py', [0, 1, 2], len(runs))
    assert provenance['wall_minutes'] == 6.0 and provenance['scale'] == 'full'


def welch_p(a, b):
    """Welch's two-sided p-value from its formula: t over the unpooled standard error,
    Welch-Satterthwaite degrees of freedom, Student's t tail."""
    import math
    import statistics

    from scipy.stats import t as student_t
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    t = (statistics.mean(a) - statistics.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return 2 * student_t.sf(abs(t), df)


def test_verdict_names_the_best_cell_and_tests_its_margins():
    from sfkd.apis import verdict
    # best cell: standard KD [90, 91, 92], mean 91, variance 1. The best other teacher
    # under KD: sftn [89.5] * 3 (variance 0): t = 1.5 / sqrt(1/3) = 2.598 on 2 degrees
    # of freedom, whose two-sided tail is 1 - t / sqrt(2 + t^2) = 0.1217 -> not told
    # apart. The student alone [85, 86]: t = 5.5 / sqrt(1/3 + 0.5/2) = 7.20 on 2.88
    # degrees of freedom -> p = 0.0063 -> a difference.
    assert 1 - 2.598 / (2 + 2.598 ** 2) ** 0.5 == pytest.approx(0.1217, abs=1e-4)
    assert welch_p([90.0, 91.0, 92.0], [85.0, 86.0]) == pytest.approx(0.0063, abs=1e-4)
    assert verdict(TASK, results(), SCALE) == (
        'Best student top-1: KD from the standard teacher, 91.00 ± 1.00, '
        "+1.50 over the SFTN teacher (89.50 ± 0.00; not told apart from seed noise "
        "(Welch's t-test, p = 0.12)); "
        "+5.50 over the student alone (85.50 ± 0.71; a difference (Welch's t-test, "
        'p = 0.0063)).')
    # sftn KD at 90.5 ± 0: t = 0.5 / sqrt(1/3) = 0.866 -> 1 - t / sqrt(2 + t^2) = 0.48
    close = [dict(r, metrics={'accuracy': 90.5})
             if (r['kind'], r['teacher'], r['method']) == ('distill', 'sftn', 'kd') else r
             for r in results()]
    assert "+0.50 over the SFTN teacher (90.50 ± 0.00; not told apart from seed noise " \
        "(Welch's t-test, p = 0.48))" in verdict(TASK, close, SCALE)
    # one seed of the student alone: nothing to test against
    one = [r for r in results() if not (r['kind'] == 'alone' and r['seed'] == 1)]
    assert '+6.00 over the student alone (85.00; one seed a side: not tested against seed ' \
        'noise).' in verdict(TASK, one, SCALE)
    # the two stored Fashion-MNIST default tables, two seeds a side, on two machines:
    # +0.57 (89.08 ± 0.04 vs 88.51 ± 0.27) and +0.43 (89.07 ± 0.18 vs 88.64 ± 0.57)
    # are both not told apart at the 5% level
    for best, alone in (([89.05, 89.11], [88.32, 88.70]), ([88.94, 89.20], [88.24, 89.04])):
        assert welch_p(best, alone) > 0.05
    assert verdict(TASK, [r for r in results() if r['kind'] != 'distill'], SCALE) == ''

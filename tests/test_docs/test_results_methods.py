"""The renderers of the KD-variant, task and cost pages (tools/docs/renderers/
results_methods.py and results_tasks.py) against the stored data: every figure checked
here is computed again from the CSV and JSON files with csv, json, statistics and
scipy's own Welch test, not with the renderers' helpers."""
import csv
import json
import os.path as osp
import shutil
import statistics

import pytest
from sfkd_testing import ROOT, docs_renderer

pytestmark = pytest.mark.docs

RESULTS = osp.join(ROOT, 'results')
LEVEL = 0.05  # the verdict level of sfkd/apis/report.py
NEW_DET = 'results/pipeline_det_full_teachers-standard_methods-pkd-cwd-bckd-crosskd'


@pytest.fixture(scope='module')
def rm():
    return docs_renderer('results_methods')


@pytest.fixture(scope='module')
def rt():
    return docs_renderer('results_tasks')


def rows_of(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def welch(a, b):
    from scipy.stats import ttest_ind
    return float(ttest_ind(a, b, equal_var=False).pvalue)


def expected_versus(a, b, digits):
    """The cell a margin of ``a`` over ``b`` should read."""
    p = welch(a, b)
    margin = statistics.mean(a) - statistics.mean(b)
    word = 'not told apart' if p >= LEVEL else ('above' if margin > 0 else 'below')
    return f'{margin:+.{digits}f}, {word} (p = {p:.2g})'


def table_row(markdown, *first):
    """The cells of the table row whose first cells are ``first``."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if tuple(cells[:len(first)]) == first:
            return cells
    raise AssertionError(f'no row {first!r} in\n{markdown}')


def test_welch_p_values_are_scipys(rm):
    rows = rows_of(osp.join(RESULTS, 'kd_variants_round3', 'results.csv'))
    groups = {}
    for r in rows:
        if r['kind'] == 'distill':
            groups.setdefault(r['method'], []).append(float(r['accuracy']))
    kd = groups.pop('kd')
    assert len(groups) >= 5
    for method, values in groups.items():
        assert rm.welch_p(values, kd) == pytest.approx(welch(values, kd), rel=1e-7), method
    assert rm.welch_p([1.0, 2.0, 4.0], [1.0, 2.0, 4.0]) == pytest.approx(1.0)
    assert rm.welch_p([1.0, 1.0], [2.0, 2.0]) == 0.0  # no spread, different means
    assert rm.welch_p([1.0], [1.0, 2.0]) is None


def test_the_verdict_level_is_the_reports(rm):
    text = open(osp.join(ROOT, 'sfkd', 'apis', 'report.py')).read()
    assert f'VERDICT_LEVEL = {LEVEL}' in text
    assert rm.verdict_level() == LEVEL


def test_each_new_method_is_compared_with_kd_and_the_student_alone(rm):
    folder = 'results/kd_variants_round3'
    rows = rows_of(osp.join(ROOT, folder, 'results.csv'))
    values = {}
    for r in rows:
        if r['kind'] != 'teacher':
            values.setdefault((r['kind'], r['method']), []).append(float(r['accuracy']))
    kd, alone = values[('distill', 'kd')], values[('alone', '-')]
    versus = rm.variants_versus(folder)
    summary = rm.variants_summary(folder)
    review = table_row(versus, 'ReviewKD')
    assert review[1] == (f"{statistics.mean(values[('distill', 'reviewkd')]):.2f} ± "
                         f"{statistics.stdev(values[('distill', 'reviewkd')]):.2f}")
    assert review[2] == expected_versus(values[('distill', 'reviewkd')], kd, 2)
    assert review[3] == expected_versus(values[('distill', 'reviewkd')], alone, 2)
    # the micro DeiT's token is set against the micro DeiT trained alone
    deit = table_row(versus, 'micro DeiT, distillation token')
    assert deit[3].startswith(expected_versus(values[('distill', 'deit')],
                                              values[('alone', 'deit')], 2))
    # every method other than KD is listed once in the summary, under its verdict
    lines = summary.splitlines()
    for (kind, method), v in values.items():
        if kind != 'distill' or method == 'kd':
            continue
        p, up = welch(v, kd), statistics.mean(v) > statistics.mean(kd)
        head = ('**Beats KD here**' if p < LEVEL and up else
                'not told apart' if p >= LEVEL else 'below it')
        margin = f'({statistics.mean(v) - statistics.mean(kd):+.2f})'
        hits = [ln for ln in lines if margin in ln]
        assert len(hits) == 1 and head in hits[0], (method, hits)


def test_the_variants_table_is_the_stored_one_and_matches_the_csv(rm):
    folder = 'results/kd_variants'
    table = rm.variants_table(folder)
    assert table in open(osp.join(ROOT, folder, 'results.md')).read()
    rows = rows_of(osp.join(ROOT, folder, 'results.csv'))
    tfkd = [float(r['accuracy']) for r in rows if r['method'] == 'tfkd']
    cell = f'{statistics.mean(tfkd):.2f} ± {statistics.stdev(tfkd):.2f}'
    assert table_row(table, 'teacher-free KD (Tf-KD_reg)')[3] == cell
    subs = rm.substitutions()
    assert subs['kdvar_tfkd'] == cell
    minutes = sum(float(r['seconds']) for r in rows) / 60
    assert subs['kdvar_minutes'] == f'{minutes:.1f}' and subs['kdvar_runs'] == str(len(rows))


def test_the_task_comparison_cells_are_recomputed_from_the_csv(rt):
    folder = 'results/pipeline_det_full'
    rows = rows_of(osp.join(ROOT, folder, 'results.csv'))
    alone = [float(r['mAP']) for r in rows if r['kind'] == 'alone']
    cwd = [float(r['mAP']) for r in rows if r['kind'] == 'distill' and
           r['teacher'] == 'sftn' and r['method'] == 'cwd']
    std_cwd = [float(r['mAP']) for r in rows if r['kind'] == 'distill' and
               r['teacher'] == 'standard' and r['method'] == 'cwd']
    teacher = next(float(r['mAP']) for r in rows if r['kind'] == 'teacher' and
                   r['teacher'] == 'sftn')
    row = table_row(rt.tasks_versus(folder), 'sftn', 'CWD')
    assert row[2] == f'{statistics.mean(cwd):.1f} ± {statistics.stdev(cwd):.1f}'
    assert float(row[3]) == pytest.approx(statistics.mean(cwd) - teacher, abs=0.051)
    assert row[4] == expected_versus(cwd, alone, 1)
    assert row[5] == expected_versus(cwd, std_cwd, 1)
    # the stored table is shown as stored, and its student-alone cell is the CSV's
    tables = rt.tasks_tables(folder)
    stored = open(osp.join(ROOT, folder, 'results.md')).read()
    assert all(line in stored for line in tables.splitlines())
    alone_cell = f'{statistics.mean(alone):.1f} ± {statistics.stdev(alone):.1f} (no teacher)'
    assert table_row(tables, '(student alone)')[2] == alone_cell


def test_the_mri_control_column_and_the_init_check(rt):
    folder = 'results/pipeline_mri_full'
    rows = rows_of(osp.join(ROOT, folder, 'results.csv'))

    def cell(teacher, method, metric='PSNR_macaque'):
        return [float(r[metric]) for r in rows if r['kind'] == 'distill' and
                r['teacher'] == teacher and r['method'] == method]
    row = table_row(rt.tasks_versus(folder, 'PSNR_macaque', 'init'), 'sft', 'AT')
    assert row[-1] == expected_versus(cell('sft', 'at'), cell('sft', 'init'), 2)
    same = all(r1['PSNR'] == r2['PSNR'] for r1, r2 in zip(
        [r for r in rows if r['kind'] == 'alone'],
        [r for r in rows if r['method'] == 'init' and r['teacher'] == 'standard']))
    check = rt.substitutions()['mrifull_init_standard_check']
    assert check.startswith('not') != same


def test_the_new_detection_comparison_is_shown_once_stored(rt, tmp_path, monkeypatch):
    """Before its report is stored the block is a sentence; after, the tables of the
    report and the comparison computed from its CSV (here a copy of the full detection
    study with one run changed)."""
    assert 'Not stored yet' in rt.tasks_study('results/no_such_study')
    markdown, rm = docs_renderer('markdown'), docs_renderer('results_methods')
    rm.verdict_level()  # read (and kept) from the repository before the root moves
    for module in (markdown, rt, rm):
        monkeypatch.setattr(module, 'ROOT', str(tmp_path))
    rt.study.cache_clear()
    try:
        (tmp_path / NEW_DET).mkdir(parents=True)
        text = rt.tasks_study(NEW_DET)
        assert 'Not stored yet' in text and '|' not in text
        src = osp.join(RESULTS, 'pipeline_det_full')
        shutil.copy(osp.join(src, 'results.md'), tmp_path / NEW_DET / 'results.md')
        rows = rows_of(osp.join(src, 'results.csv'))
        changed = next(r for r in rows if r['kind'] == 'alone')
        changed['mAP'] = str(float(changed['mAP']) - 3.0)
        with open(tmp_path / NEW_DET / 'results.csv', 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        text = rt.tasks_study(NEW_DET)
    finally:
        rt.study.cache_clear()
    assert 'Not stored yet' not in text
    assert 'python tools/run_pipeline.py --task det --scale full' in text
    alone = [float(r['mAP']) for r in rows if r['kind'] == 'alone']
    pkd = [float(r['mAP']) for r in rows if r['kind'] == 'distill' and
           r['teacher'] == 'standard' and r['method'] == 'pkd']
    assert table_row(text, 'standard', 'PKD')[4] == expected_versus(pkd, alone, 1)


def test_the_benchmark_numbers_are_the_stored_ones(rm):
    subs = rm.substitutions()
    stored = json.load(open(osp.join(RESULTS, 'benchmark', 'benchmark.json')))
    summary = stored['summary']
    for key, digits in (('distill_ratio', 3), ('sftn_time_over_flop_ratio', 3),
                        ('sftn_memory_ratio', 2), ('dense_distill_ratio', 3),
                        ('sftn_resnet32x4_handwritten_ratio', 3)):
        v = summary[key]
        assert subs[f'bench_{key}'] == \
            f"{v['median']:.{digits}f} (range {v['min']:.{digits}f}-{v['max']:.{digits}f})x"
    per_run = [r['sftn_det_time_ratio'] / r['sftn_det_step_flop_ratio'] for r in stored['runs']]
    median = statistics.median(per_run)
    assert subs['bench_sftn_det_time_over_step_flop_ratio_median'] == f'{median:.3f}x'
    assert subs['bench_student_time_share'] == \
        f"{100 * summary['student_time_share']['median']:.0f}%"
    steps = rm.bench_steps()
    assert f"{summary['gflops.sftn_teacher']['median']:.2f} vs " \
           f"{summary['gflops.plain_teacher']['median']:.2f} GFLOP per step" in steps
    scaling = rm.bench_scaling()
    ms = summary[f"scaling_ms.batch_size_{stored['scale_batch_sizes'][-1]}.sfkd"]['median']
    assert table_row(scaling, f"batch {stored['scale_batch_sizes'][-1]}")[1] == f'{ms:.0f}'


def test_the_cache_storage_and_baseline_numbers_are_the_stored_ones(rm):
    subs = rm.substitutions()
    acc = {}
    for r in rows_of(osp.join(RESULTS, 'cache_storage', 'results.csv')):
        acc.setdefault(r['storage'], {})[int(r['seed'])] = float(r['accuracy'])
    diffs = [acc['fp16'][s] - acc['fp32'][s] for s in sorted(acc['fp16'])]
    assert subs['storage_fp16_seed_diffs'] == ' and '.join(f'{d:+.2f}' for d in diffs)
    cache = json.load(open(osp.join(RESULTS, 'benchmark', 'teacher_cache.json')))
    minutes = cache['pipeline']['pipeline_seconds']['cached'] / 60
    assert subs['cachebench_pipeline_min_cached'] == f'{minutes:.1f}'
    baseline = json.load(open(osp.join(RESULTS, 'baseline', 'test_metrics.json')))
    assert subs['baseline_top1'] == f"{baseline['metrics']['accuracy/top1']:.2f}"
    assert table_row(rm.bench_baseline(), f"`{baseline['config']}`")[1] == subs['baseline_top1']
    for name, when in (('result.json', 'after'), ('result_before_fix.json', 'before')):
        runs = json.load(open(osp.join(RESULTS, 'dist_stress', name)))['per_run']
        assert subs[f'diststress_aborts_{when}'] == str(sum(r['aborted'] for r in runs))


def test_the_newer_detection_methods_are_set_against_pkd_and_cwd(rt):
    """BCKD's and CrossKD's students against PKD's and CWD's, recomputed from the CSV."""
    text = rt.tasks_against(NEW_DET, 'pkd', 'cwd')
    rows = rows_of(osp.join(ROOT, NEW_DET, 'results.csv'))

    def students(method):
        return [float(r['mAP']) for r in rows if r['kind'] == 'distill' and
                r['teacher'] == 'standard' and r['method'] == method]

    for method, label in (('bckd', 'BCKD'), ('crosskd', 'CROSSKD')):
        cells = table_row(text, 'standard', label)
        assert cells[3] == expected_versus(students(method), students('pkd'), 1)
        assert cells[4] == expected_versus(students(method), students('cwd'), 1)
    assert 'PKD |' not in text.split('\n', 2)[2], 'the baselines are columns, not rows'
    with pytest.raises(ValueError, match='not in it'):
        rt.tasks_against(NEW_DET, 'no_such_method')

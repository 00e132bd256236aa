"""The friendly-teacher results pages' renderers (tools/docs/renderers/results_teachers.py)
against the stored data: each cell checked here is computed again from the CSV with the
csv and statistics modules, and a changed copy of the data changes the output."""
import csv
import json
import os.path as osp
import shutil
import statistics

import pytest
from sfkd_testing import ROOT, docs_renderer

pytestmark = pytest.mark.docs

RESULTS = osp.join(ROOT, 'results')


@pytest.fixture(scope='module')
def rt():
    return docs_renderer('results_teachers')


def rows_of(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def cell(values, digits=2):
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def table_row(markdown, first):
    """The cells of the table row whose first cell is ``first``."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if cells[0] == first:
            return cells
    raise AssertionError(f'no row {first!r} in\n{markdown}')


def test_pipeline_cells_are_the_csv_means_and_stds(rt):
    rows = rows_of(osp.join(RESULTS, 'pipeline_full', 'results.csv'))
    text = rt.render_pipeline('results/pipeline_full')
    labels = {'standard': 'standard', 'sftn': 'SFTN', 'soteacher': 'SoTeacher'}
    methods = ['kd', 'fitnets', 'at']
    assert table_row(text, 'teacher')[2:] == ['student top-1, KD', 'student top-1, FitNets',
                                               'student top-1, AT']
    for teacher, label in labels.items():
        got = table_row(text, label)
        top1 = [float(r['accuracy']) for r in rows
                if r['kind'] == 'teacher' and r['teacher'] == teacher]
        assert got[1] == f'{top1[0]:.2f}'
        for i, method in enumerate(methods):
            values = [float(r['accuracy']) for r in rows if r['kind'] == 'distill'
                      and r['teacher'] == teacher and r['method'] == method]
            assert len(values) == 3 and got[2 + i] == cell(values), (teacher, method)
    alone = [float(r['accuracy']) for r in rows if r['kind'] == 'alone']
    assert table_row(text, '(student alone)')[2] == cell(alone)


def test_a_changed_csv_changes_the_table(rt, tmp_path):
    folder = tmp_path / 'results' / 'pipeline_full'
    folder.mkdir(parents=True)
    rows = rows_of(osp.join(RESULTS, 'pipeline_full', 'results.csv'))
    target = next(r for r in rows if r['kind'] == 'distill' and r['teacher'] == 'sftn'
                  and r['method'] == 'kd')
    target['accuracy'] = str(float(target['accuracy']) + 3.0)
    with open(folder / 'results.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = rt.render_pipeline('results/pipeline_full')
    after = rt.render_pipeline('results/pipeline_full', root=str(tmp_path))
    expected = cell([float(r['accuracy']) for r in rows if r['kind'] == 'distill'
                     and r['teacher'] == 'sftn' and r['method'] == 'kd'])
    assert table_row(after, 'SFTN')[2] == expected
    assert table_row(before, 'SFTN')[2] != expected
    # the other cells stay
    assert table_row(after, 'standard') == table_row(before, 'standard')


def test_scales_table_differences_are_the_written_cells(rt):
    text = rt.render_scales('results/pipeline_default', 'results/pipeline_full')
    row = table_row(text, 'standard')
    assert row[-2] == f'{float(row[1]) - float(row[3]):+.2f}'
    small, large = (float(c.split(' ± ')[0]) for c in (row[2], row[4]))
    assert row[-1] == f'{small - large:+.2f}'


def test_verdict_is_the_stored_line_or_says_there_is_none(rt, tmp_path):
    stored = open(osp.join(RESULTS, 'pipeline_default', 'results.md')).read()
    line = next(ln for ln in stored.splitlines() if ln.startswith('Best student'))
    assert rt.render_verdict('results/pipeline_default') == f'> {line}'
    full = open(osp.join(RESULTS, 'pipeline_full', 'results.md')).read()
    line = next(ln for ln in full.splitlines() if ln.startswith('Best student'))
    assert rt.render_verdict('results/pipeline_full') == f'> {line}'
    # a report stored without one says so
    folder = tmp_path / 'results' / 'pipeline_full'
    folder.mkdir(parents=True)
    (folder / 'results.md').write_text(
        '\n'.join(ln for ln in full.splitlines() if not ln.startswith('Best student')))
    assert 'no verdict line' in rt.render_verdict('results/pipeline_full', root=str(tmp_path))


def test_sftn_study_cells_and_the_pipeline_alone_row(rt):
    rows = rows_of(osp.join(RESULTS, 'sftn_study', 'study.csv'))
    text = rt.render_sftn('results/sftn_study', 'results/pipeline_full/results.csv')
    sftn = [r for r in rows if r['teacher'] == 'sftn']
    got = table_row(text, 'SFTN')
    assert got[3] == cell([float(r['student_top1']) for r in sftn])
    assert got[4] == cell([float(r['agreement']) for r in sftn])
    assert got[5] == cell([float(r['kl']) for r in sftn], 3)
    alone = [float(r['accuracy'])
             for r in rows_of(osp.join(RESULTS, 'pipeline_full', 'results.csv'))
             if r['kind'] == 'alone']
    assert table_row(text, '(student alone)')[3] == cell(alone)
    # the small-data study has its own student-alone rows
    small = rows_of(osp.join(RESULTS, 'sftn_study_small-data', 'study.csv'))
    assert table_row(rt.render_sftn('results/sftn_study_small-data'), '(student alone)')[3] == \
        cell([float(r['student_top1']) for r in small if r['teacher'] == '-'])


def test_regime_gain_and_teacher_seed_spread(rt):
    rows = rows_of(osp.join(RESULTS, 'regimes', 'sweep', 'study.csv'))
    alone = statistics.mean(float(r['student_top1']) for r in rows if r['teacher'] == '-')
    tau4 = [float(r['student_top1']) for r in rows if r['teacher'] == 'sftn-tau4']
    got = table_row(rt.render_regime('results/regimes/sweep'), 'sftn-tau4')
    assert got[1:3] == ['3', '4'] and got[7] == cell(tau4)
    assert got[8] == f'{round(statistics.mean(tau4), 2) - round(alone, 2):+.2f}'

    seeds = rows_of(osp.join(RESULTS, 'regimes', 'long-aug-teacher-seeds', 'study.csv'))
    means = [statistics.mean(float(r['student_top1']) for r in seeds
                             if r['teacher'] == 'standard' and r['teacher_seed'] == str(t))
             for t in (0, 1, 2)]
    spread = rt.render_regime_seeds('results/regimes/long-aug-teacher-seeds').split('\n\n')[1]
    assert table_row(spread, 'standard')[1] == f'{statistics.stdev(means):.2f}'


def test_a_changed_regime_changes_the_summary(rt, tmp_path):
    src = osp.join(RESULTS, 'regimes', 'gap')
    dst = tmp_path / 'results' / 'regimes' / 'gap'
    dst.mkdir(parents=True)
    shutil.copy(osp.join(src, 'study.md'), dst / 'study.md')
    rows = rows_of(osp.join(src, 'study.csv'))
    for r in rows:  # the SFTN teacher's students gain 5 points
        if r['teacher_type'] == 'sftn':
            r['student_top1'] = str(float(r['student_top1']) + 5.0)
    with open(dst / 'study.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    best = max({r['teacher'] for r in rows if r['teacher'] != '-'},
               key=lambda t: statistics.mean(float(r['student_top1']) for r in rows
                                             if r['teacher'] == t))
    before = table_row(rt.render_regime_summary('results/regimes/gap'), '`gap`')
    after = table_row(rt.render_regime_summary('results/regimes/gap', root=str(tmp_path)),
                      '`gap`')
    assert after[3].startswith(f'{best} (') and after != before


def test_probe_spearman_agrees_with_the_ranks(rt):
    for probe in ('probe-5-epochs', 'probe-15-epochs'):
        folder = osp.join(RESULTS, 'select_teacher', probe)
        rows = rows_of(osp.join(folder, 'ranking.csv'))
        summary = json.load(open(osp.join(folder, 'summary.json')))
        probe_rank = [float(r['rank']) for r in rows]
        full_rank = [float(r['full_rank']) for r in rows]
        # the tool's value, the renderers' Spearman over the same ranks
        assert rt.spearman(probe_rank, full_rank) == pytest.approx(summary['spearman'])
        if len(set(probe_rank)) == len(rows):  # no ties: the textbook formula holds
            n = len(rows)
            d2 = sum((a - b) ** 2 for a, b in zip(probe_rank, full_rank))
            assert summary['spearman'] == pytest.approx(1 - 6 * d2 / (n * (n * n - 1)))
        text = rt.render_probes(f'results/select_teacher/{probe}')
        first = min(rows, key=lambda r: float(r['rank']))
        assert f"{summary['spearman']:.3f}" in text
        assert f"{first['candidate']} ({float(first['full_rank']):g})" in text


def test_substitutions_are_the_data(rt):
    subs = rt.substitutions()
    small = rows_of(osp.join(RESULTS, 'sftn_study_small-data', 'study.csv'))
    standard = [r for r in small if r['teacher'] == 'standard']
    assert subs['teachers_small_standard_train_top1'] == \
        f"{float(standard[0]['teacher_train_top1']):.2f}"
    lip = rows_of(osp.join(RESULTS, 'regimes', 'lipschitz', 'study.csv'))
    steps = [r for r in lip if r['teacher'] == 'soteacher-steps']
    assert subs['regimes_lipschitz_steps_ece'] == f"{float(steps[0]['teacher_ece']):.2f}"
    summary = json.load(open(osp.join(RESULTS, 'select_teacher', 'probe-5-epochs',
                                      'summary.json')))
    assert subs['select_teacher_candidates'] == str(summary['candidates'])
    stored = open(osp.join(RESULTS, 'pipeline_default', 'results.md')).read()
    assert f"Training time: {subs['teachers_default_minutes']} min for " \
        f"{subs['teachers_default_runs']} runs" in stored
    assert all(isinstance(v, str) and v for v in subs.values())


def test_commands_are_the_stored_ones_wrapped(rt):
    text = rt.render_command('results/select_teacher/probe-15-epochs')
    shown = text.split('\n', 1)[1].rsplit('\n', 1)[0].replace(' \\\n', ' ').split()
    stored = open(osp.join(RESULTS, 'select_teacher', 'probe-15-epochs', 'ranking.md')).read()
    command = stored.split('Command: `', 1)[1].split('`', 1)[0]
    assert shown == command.split()
    lines = text.splitlines()[1:-1]
    assert len(lines) > 1 and all(line.endswith(' \\') for line in lines[:-1])

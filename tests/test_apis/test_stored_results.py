"""The README's figures are the ones in the stored result files, and those files name
no folder of the machine that wrote them."""
import json
import os
import os.path as osp
import re

import pytest
from sfkd_testing import ROOT

pytestmark = pytest.mark.docs

RESULTS = osp.join(ROOT, 'results')


def readme() -> str:
    return open(osp.join(ROOT, 'README.md')).read()


def other_figures() -> str:
    return readme().split('### Other figures', 1)[1].split('\n## ', 1)[0]


def test_baseline_accuracy_is_the_stored_one():
    stored = json.load(open(osp.join(RESULTS, 'baseline', 'test_metrics.json')))
    assert f"{stored['metrics']['accuracy/top1']:.2f}% Fashion-MNIST test top-1" in other_figures()
    # the log of the same run ends at that validation accuracy
    last_val = [ln for ln in open(osp.join(RESULTS, 'baseline', 'train.log'))
                if 'Epoch(val) [3]' in ln][-1]
    assert f"accuracy/top1: {stored['metrics']['accuracy/top1']:.4f}" in last_val


def test_benchmark_ratios_are_the_stored_medians_and_ranges():
    summary = json.load(open(osp.join(RESULTS, 'benchmark', 'benchmark.json')))['summary']
    text = other_figures()
    for key, digits in (('distill_ratio', 3), ('sftn_time_ratio', 3),
                        ('distill_memory_ratio', 2), ('sftn_memory_ratio', 2)):
        v = summary[key]
        assert (f"{v['median']:.{digits}f} (range {v['min']:.{digits}f}-"
                f"{v['max']:.{digits}f})x") in text, key
    gflops = (summary['gflops.sftn_teacher']['median'], summary['gflops.plain_teacher']['median'])
    assert f'({gflops[0]:.2f} vs {gflops[1]:.2f} GFLOP per step)' in text


def test_uncached_larger_sftn_and_scaling_figures_are_the_stored_ones():
    stored = json.load(open(osp.join(RESULTS, 'benchmark', 'benchmark.json')))
    summary, text = stored['summary'], other_figures()
    for key in ('uncached_distill_ratio', 'sftn_flop_ratio', 'sftn_time_over_flop_ratio',
                'sftn_resnet32x4_time_ratio', 'sftn_resnet32x4_flop_ratio',
                'sftn_resnet32x4_time_over_flop_ratio', 'handwritten_sftn_time_ratio',
                'handwritten_sftn_time_over_flop_ratio', 'sftn_handwritten_ratio',
                'sftn_contiguous_time_ratio', 'sftn_contiguous_time_over_flop_ratio',
                'handwritten_sftn_resnet32x4_time_over_flop_ratio',
                'sftn_resnet32x4_handwritten_ratio',
                'sftn_resnet32x4_contiguous_time_over_flop_ratio'):
        v = summary[key]
        assert f"{v['median']:.3f} (range {v['min']:.3f}-{v['max']:.3f})x" in text, key
    gflops = [summary[f'gflops.{k}']['median']
              for k in ('sftn_resnet32x4_teacher', 'plain_resnet32x4_teacher')]
    assert f'({gflops[0]:.1f} vs {gflops[1]:.1f} GFLOP per step)' in text
    assert f"batch {stored['large_batch_size']}, " in text
    for kind, values in (('batch_size', stored['scale_batch_sizes']),
                         ('width', stored['scale_widths'])):
        for side in ('sfkd', 'plain'):
            ms = '/'.join(f"{summary[f'scaling_ms.{kind}_{v}.{side}']['median']:.0f}"
                          for v in values)
            assert f'{ms} ms' in text, (kind, side)
    med = {k: v['median'] for k, v in summary.items()}
    assert (f"takes {100 * med['student_time_share']:.0f}% of the plain teacher step's time for "
            f"{100 * med['student_flop_share']:.0f}% of its FLOPs") in text
    assert osp.isfile(osp.join(RESULTS, 'benchmark', 'benchmark_scaling.png'))
    assert 'benchmark_scaling.png' in text


def test_sftn_profile_shows_the_same_heavy_calls_as_the_hand_written_step():
    text = open(osp.join(RESULTS, 'benchmark', 'sftn_profile.md')).read()
    rows = [ln.split('|')[1:4] for ln in text.splitlines() if ln.startswith('| aten::') and
            ln.count('|') == 4]
    calls = {op.strip(): (float(a), float(b)) for op, a, b in rows}
    assert {'aten::mkldnn_convolution', 'aten::convolution_backward',
            'aten::native_batch_norm', 'aten::native_batch_norm_backward'} <= set(calls)
    assert all(a == b for a, b in calls.values()), calls
    per_kind = {calls[op][0] for op in ('aten::mkldnn_convolution', 'aten::native_batch_norm')}
    assert per_kind == {20.0}
    figures = other_figures()
    assert '20 of each kind of\nconvolution and batch norm per step' in figures
    command = text.split('Command: `')[1].split('`')[0]
    assert f'`{command}`' in figures.replace('\n', ' ')


def test_dense_benchmark_ratios_are_the_stored_medians_and_ranges():
    stored = json.load(open(osp.join(RESULTS, 'benchmark', 'benchmark.json')))
    summary, text = stored['summary'], other_figures()
    for key in ('dense_distill_ratio', 'sftn_det_time_ratio', 'sftn_det_flop_ratio',
                'sftn_det_step_flop_ratio', 'sftn_det_parts_ratio'):
        v = summary[key]
        assert f"{v['median']:.3f} (range {v['min']:.3f}-{v['max']:.3f})x" in text, key
    med = {k: v['median'] for k, v in summary.items()}
    assert (f"({med['forward_gflops.sftn_det_teacher']:.3f} vs "
            f"{med['forward_gflops.plain_det_teacher']:.3f} GFLOP per canvas") in text
    assert (f"({med['gflops.sftn_det_teacher']:.2f} vs {med['gflops.plain_det_teacher']:.2f} "
            'GFLOP per step') in text
    for key in ('det_student_flop_share', 'det_student_time_share'):
        assert f'{100 * med[key]:.0f}%' in text, key
    assert f"{stored['machine']['torch_threads']} thread" in text
    assert stored['command'] in text


def test_default_pipeline_time_is_the_stored_one():
    md = open(osp.join(RESULTS, 'pipeline_default', 'results.md')).read()
    minutes = re.search(r'Training time: ([\d.]+) min for (\d+) runs', md)
    assert minutes, 'results.md holds the training time'
    assert f'{minutes.group(1)} minutes of training on 2 CPU cores' in readme()
    assert f'{minutes.group(2)} runs)' in readme()


def test_stored_results_name_no_machine_folder():
    for dirpath, _, files in os.walk(RESULTS):
        for name in files:
            if name.endswith(('.md', '.csv', '.json', '.log')):
                text = open(osp.join(dirpath, name)).read()
                found = re.findall(r'(?<![\w.])/(?:work|home|tmp|root)/\S+', text)
                assert not found, (name, found[:3])


# pipeline result folders whose tables the README shows verbatim
VERBATIM_TABLES = ('pipeline_mri_full', 'pipeline_det_full', 'pipeline_seg_full')


def test_task_tables_in_the_readme_are_the_stored_ones():
    text = readme()
    for folder in VERBATIM_TABLES:
        md = open(osp.join(RESULTS, folder, 'results.md')).read()
        rows = [ln for ln in md.splitlines() if ln.startswith('| ')]
        assert rows, folder
        missing = [ln for ln in rows if ln not in text]
        assert not missing, (folder, missing[:3])
        minutes = re.search(r'Training time: ([\d.]+) min for (\d+) runs', md)
        assert f'{minutes.group(2)} runs, {minutes.group(1)} min of training' in text, folder
        command = md.split('Command: `')[1].split('`')[0]
        assert f'`{command}`' in text, folder


def test_small_data_student_alone_cell_is_the_mean_of_its_stored_seeds():
    import csv
    import statistics
    rows = list(csv.DictReader(open(osp.join(RESULTS, 'sftn_study_small-data', 'study.csv'))))
    alone = [float(r['student_top1']) for r in rows if r['teacher'] == '-']
    assert len(alone) == 3
    cell = f'{statistics.mean(alone):.2f} ± {statistics.stdev(alone):.2f}'
    assert f'| (student alone) | - | - | {cell} |' in readme()
    md = open(osp.join(RESULTS, 'sftn_study_small-data', 'study.md')).read()
    minutes = re.search(r'Training time: ([\d.]+) min for (\d+) runs', md)
    assert f'{minutes.group(1)} min of training for its {minutes.group(2)} runs' in readme()


def test_teacher_cache_figures_are_the_stored_ones():
    stored = json.load(open(osp.join(RESULTS, 'benchmark', 'teacher_cache.json')))
    text, epochs = other_figures(), stored['epochs']
    for side in ('cached', 'uncached'):
        low, high = epochs['ratio_range'][side]
        assert (f"{epochs[f'{side}_distill_ratio']:.3f} (range {low:.3f}-{high:.3f})x"
                in text), side
    sizes = epochs['cache_bytes_per_sample']
    assert (f"fp32 {sizes['kd_logits.fp32']:.0f}, fp16 {sizes['kd_logits.fp16']:.0f}, "
            f"top-3 {sizes['kd_logits.topk3']:.0f}, 16 sampled classes "
            f"{sizes['kd_logits.sampled16']:.0f}") in text
    assert (f"{sizes['fitnets_feat_and_logits.fp32']:.0f} (fp32) and "
            f"{sizes['fitnets_feat_and_logits.fp16']:.0f} (fp16)") in text
    minutes = {k: v / 60 for k, v in stored['pipeline']['pipeline_seconds'].items()}
    assert (f"{minutes['uncached']:.1f} min without the cache, {minutes['cached']:.1f} min "
            'with it') in text
    bench = json.load(open(osp.join(RESULTS, 'benchmark', 'benchmark.json')))['summary']
    v = bench['cached_distill_ratio']
    assert f"{v['median']:.3f} (range {v['min']:.3f}-{v['max']:.3f})x" in text


def _stored_cells(folder: str):
    """teacher -> teacher top-1, (teacher, method) -> students' top-1 list, and the
    student alone's list, from a stored pipeline's results.csv."""
    import csv
    teacher, students, alone = {}, {}, []
    for row in csv.DictReader(open(osp.join(RESULTS, folder, 'results.csv'))):
        acc = float(row['accuracy'])
        if row['kind'] == 'teacher':
            teacher[row['teacher']] = acc
        elif row['kind'] == 'alone':
            alone.append(acc)
        else:
            students.setdefault((row['teacher'], row['method']), []).append(acc)
    return teacher, students, alone


def test_the_default_scale_is_a_miniature_of_the_full_one():
    """What the README claims of the main job's default table, from the stored files of
    both scales: each teacher and the student alone within 1.5 points of the full scale,
    and the teacher types in the full scale's order for every KD method where the full
    scale separates them by more than 0.3 points."""
    import statistics
    d_teacher, d_students, d_alone = _stored_cells('pipeline_default')
    f_teacher, f_students, f_alone = _stored_cells('pipeline_full')
    assert set(d_teacher) <= set(f_teacher) and len(d_teacher) >= 2
    for name, acc in d_teacher.items():
        assert abs(acc - f_teacher[name]) <= 1.5, name
    assert abs(statistics.mean(d_alone) - statistics.mean(f_alone)) <= 1.5
    methods = {m for _, m in d_students}
    for m in methods:
        for a in d_teacher:
            for b in d_teacher:
                gap = statistics.mean(f_students[(a, m)]) - statistics.mean(f_students[(b, m)])
                if gap > 0.3:
                    assert statistics.mean(d_students[(a, m)]) > \
                        statistics.mean(d_students[(b, m)]), (m, a, b)
    # the README's default table shows the stored cells, and the full-scale columns
    text = readme().split("**The main job's default scale beside it.**", 1)[1].split('\n\n**')[0]
    labels = {'standard': 'standard', 'sftn': 'SFTN', 'soteacher': 'SoTeacher'}

    def cell(values):
        return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'
    for name in d_teacher:
        row = (f'| {labels[name]} | {d_teacher[name]:.2f} | {cell(d_students[(name, "kd")])} | '
               f'{f_teacher[name]:.2f} | {cell(f_students[(name, "kd")])} |')
        assert row in text, row
    assert f'| (student alone) | - | {cell(d_alone)} | - | {cell(f_alone)} |' in text


REGIME_STUDIES = ('long-aug-5000', 'long-aug', 'gap', 'cross-family')
TEACHER_LABELS = {'standard': 'standard', 'sftn': 'SFTN', 'soteacher': 'SoTeacher'}


def study_rows(md: str) -> dict:
    """The first table of a stored study.md: teacher name -> its cells (teacher, l_KL,
    tau, top-1, train top-1, ECE, NLL, KD student, gain)."""
    table = md.split('\n\n')[2]
    rows = {}
    for ln in table.splitlines()[2:]:
        cells = [c.strip() for c in ln.strip().strip('|').split('|')]
        rows[cells[0]] = cells
    return rows


def friendly_section() -> str:
    return readme().split('### When does a friendly teacher help?', 1)[1].split('\n### ')[0]


def test_the_regimes_tables_are_the_stored_studies():
    text = friendly_section()
    for study in REGIME_STUDIES:
        md = open(osp.join(RESULTS, 'regimes', study, 'study.md')).read()
        rows = study_rows(md)
        sftn = next(name for name in rows if name.startswith('sftn'))
        names = {'standard': 'standard', 'sftn': sftn, 'soteacher': 'soteacher'}
        cells = [f'{rows[names[t]][3]} / {rows[names[t]][7]}' for t in TEACHER_LABELS]
        alone = rows['(student alone)'][7]
        assert ' | ' + ' | '.join(cells + [alone]) + ' |' in text, study
        total = re.search(r'\| total \| \d+ \| ([\d.]+) \|', md).group(1)
        assert f'regimes/{study}` | {total} min' in text, study
        for t, label in TEACHER_LABELS.items():
            r = rows[names[t]]
            assert f'| {study} | {label} | {r[4]} | {r[5]} | {r[6]} |' in text, (study, t)


def test_the_sweep_and_teacher_seed_tables_are_the_stored_ones():
    """The README holds the sweep's table and the teacher-seed tables as stored."""
    text = friendly_section()
    for study in ('sweep', 'long-aug-teacher-seeds'):
        md = open(osp.join(RESULTS, 'regimes', study, 'study.md')).read()
        tables = [block for block in md.split('\n\n') if block.startswith('| ')]
        tables = [t for t in tables if not t.startswith('| part |')]
        assert tables, study
        for table in tables:
            assert table in text, (study, table.splitlines()[0])


def test_the_teacher_selection_validation_is_the_stored_one():
    text = readme().split('### Choosing a teacher by its students', 1)[1].split('\n### ')[0]
    for epochs in (5, 15):
        folder = osp.join(RESULTS, 'select_teacher', f'probe-{epochs}-epochs')
        info = json.load(open(osp.join(folder, 'summary.json')))
        assert info['matched'] == info['candidates'] == 14
        first = open(osp.join(folder, 'ranking.csv')).read().splitlines()[1].split(',')
        rank = float(first[-1])
        assert (f'| {epochs} epochs on the 1000 images, 1 seed | {info["spearman"]:.3f} | '
                f'{info["cost_fraction"]:.3f} | {first[1]} ({rank:g}) |') in text, epochs


def test_cache_storage_figures_are_the_stored_runs():
    """The README's storage row, recomputed from the stored per-run CSV."""
    import csv
    import statistics
    rows = list(csv.DictReader(open(osp.join(RESULTS, 'cache_storage', 'results.csv'))))
    acc = {}
    for r in rows:
        acc.setdefault((r['kind'], r['storage']), {})[int(r['seed'])] = float(r['accuracy'])

    def ms(values):
        return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'

    exact = acc[('distill', 'fp32')]
    cells = [f'fp32 {ms(exact.values())}']
    for storage, label in (('fp16', 'fp16'), ('topk3', 'top-3'),
                           ('sampled16', '16 sampled classes'),
                           ('sampled16-views2', '16 sampled classes with new draws each epoch '
                                                '(`teacher_cache.views=2`)')):
        values = acc[('distill', storage)]
        diffs = ', '.join(f'{values[s] - exact[s]:+.2f}' for s in sorted(values))
        cells.append(f'{label} {ms(values.values())} ' +
                     (f'(seeds {diffs})' if storage == 'fp16' else f'({diffs})'))
    cells.append(f"the student alone {ms(acc[('alone', '-')].values())}")
    assert '; '.join(cells) in other_figures()
    md = open(osp.join(RESULTS, 'cache_storage', 'results.md')).read()
    assert 'Command: `python projects/cache_storage_study/cache_storage_study.py --out ' \
           'results/cache_storage`' in md

"""One pipeline for every task: the detection and segmentation tasks plan,
read their metrics and report through the same code as classification."""
import csv
import os.path as osp

import pytest
from sfkd_testing import ROOT

from sfkd.apis import get_task, plan, run_pipeline, summarise, task_names
from sfkd.apis.pipeline import read_metrics

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize('name', ['det', 'seg'])
def test_dense_full_scale_plans_two_teachers_two_methods_three_seeds(name):
    task = get_task(name)
    runs = plan(task, task.scales['full'], 'out')
    teachers = [r for r in runs if r.kind == 'teacher']
    distill = [r for r in runs if r.kind == 'distill']
    assert [r.teacher for r in teachers] == ['standard', 'sftn']
    assert len({r.method for r in distill}) == 2
    assert sorted({r.seed for r in runs if r.kind == 'alone'}) == [0, 1, 2]
    assert len(distill) == 2 * 2 * 3 and len(runs) == 2 + 3 + 12
    assert all(r.init_from in ('standard', 'sftn') for r in distill)
    assert 'train_cfg.max_epochs=12' in teachers[1].options


@pytest.mark.parametrize('name', task_names())
def test_every_config_a_task_names_exists(name):
    """Each is one of sfkd's own configs, named sfkd::<path>: found wherever sfkd is
    installed, whatever the working directory."""
    from sfkd.utils.config_loading import config_file
    task = get_task(name)
    configs = [s.config for s in task.teachers.values()] + list(task.methods.values()) + \
        [task.student_alone] + ([task.augmented_data] if task.augmented_data else [])
    for path in configs:
        assert path.startswith('sfkd::') and osp.isfile(config_file(path)), path
    for scale in task.scales.values():
        assert set(scale.teachers) <= set(task.teachers) and set(scale.methods) <= set(task.methods)


def test_unknown_task_method_and_teacher_are_named():
    with pytest.raises(KeyError, match=r"unknown pipeline task 'pose'.*\['cls', 'det'"):
        get_task('pose')
    import dataclasses
    task = get_task('det')
    with pytest.raises(KeyError, match=r"det pipeline: unknown KD method\(s\) \['dkd'\]"):
        plan(task, dataclasses.replace(task.scales['full'], methods=('cwd', 'dkd')), 'out')
    with pytest.raises(KeyError, match=r"unknown teacher type 'big'"):
        plan(task, dataclasses.replace(task.scales['full'], teachers=('big', )), 'out')


class _Hub:
    def __init__(self, values):
        from mmengine.logging import HistoryBuffer
        self.log_scalars = {k: HistoryBuffer([v], [1]) for k, v in values.items()}


def test_metrics_are_read_from_the_hub_with_their_factor():
    det = get_task('det')
    hub = _Hub({'val/coco/bbox_mAP': 0.412, 'val/teacher.coco/bbox_mAP': 0.5})
    assert read_metrics(det, hub) == {'mAP': pytest.approx(41.2)}
    assert read_metrics(det, hub, 'teacher.') == {'mAP': pytest.approx(50.0)}
    # a detector without a single detection: CocoMetric reports nothing, mAP 0
    assert read_metrics(det, _Hub({'val/time': 1.0})) == {'mAP': 0.0}
    seg = get_task('seg')
    with pytest.raises(KeyError, match=r"reported no 'val/mIoU' \(its validation reported "
                                        r"\['val/aAcc'\]\)"):
        read_metrics(seg, _Hub({'val/aAcc': 90.0, 'train/loss': 1.0}))


def _result(kind, teacher, method, seed, value, teacher_value=None):
    r = dict(kind=kind, teacher=teacher, method=method, seed=seed, metrics={'mAP': value},
             seconds=60.0)
    if teacher_value is not None:
        r['teacher_metrics'] = {'mAP': teacher_value}
    return r


def test_dense_report_table_csv_and_reference_rows(tmp_path):
    import dataclasses
    task = dataclasses.replace(get_task('det'), draw=None,
                               references={'zero-filled': lambda scale: {'mAP': 3.25}})
    scale = dataclasses.replace(task.scales['full'], seeds=(0, 1))
    results = [_result('teacher', 'standard', '-', 0, 40.0), _result('teacher', 'sftn', '-', 0, 38.0)]
    for seed, (a, b) in enumerate([(30.0, 32.0), (31.0, 34.0)]):
        results.append(_result('alone', '-', '-', seed, 28.0 + seed))
        for t, tv in (('standard', 40.0), ('sftn', 38.0)):
            results += [_result('distill', t, 'cwd', seed, a, tv),
                        _result('distill', t, 'pkd', seed, b, tv)]
    table = summarise(task, results, scale, str(tmp_path), 'python tools/run_pipeline.py --task det')
    lines = table.splitlines()
    assert lines[0] == '| teacher | teacher box mAP | student box mAP, CWD | student box mAP, PKD |'
    # means and sample standard deviations over the two seeds, written out by hand
    assert lines[2] == '| standard | 40.0 | 30.5 ± 0.7 | 33.0 ± 1.4 |'
    assert lines[3] == '| sftn | 38.0 | 30.5 ± 0.7 | 33.0 ± 1.4 |'
    assert lines[4] == '| (student alone) | - | 28.5 ± 0.7 (no teacher) | |'
    assert lines[5] == '| (zero-filled) | - | 3.2 (no training) | |'
    rows = list(csv.DictReader(open(tmp_path / 'results.csv')))
    assert list(rows[0]) == ['kind', 'teacher', 'method', 'seed', 'mAP', 'teacher_mAP', 'seconds']
    assert rows[-1]['teacher_mAP'] == '38.0' and rows[0]['teacher_mAP'] == ''
    md = open(tmp_path / 'results.md').read()
    assert md.startswith('# Two-stage pipeline on Fashion-MNIST canvases, detection (full scale)')
    assert 'Training time: 12.0 min for 12 runs' in md
    assert open(tmp_path / 'results.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'


def test_detection_smoke_pipeline_reads_map_and_draws(tmp_path, fmnist_root, monkeypatch):
    """On the canvases tools/setup.sh made (the smoke scale takes 32 and 16 of them)."""
    import dataclasses
    monkeypatch.chdir(ROOT)
    task = get_task('det')
    scale = dataclasses.replace(task.scales['smoke'], teachers=('standard', ))
    out = str(tmp_path / 'det')
    results = run_pipeline(task, scale, out)
    assert [r['kind'] for r in results] == ['teacher', 'alone', 'distill']
    for r in results:
        assert 0.0 <= r['metrics']['mAP'] <= 100.0
    # the distillation run evaluated the very teacher the teacher run trained
    assert results[2]['teacher_metrics']['mAP'] == pytest.approx(results[0]['metrics']['mAP'])
    summarise(task, results, scale, out, 'python tools/run_pipeline.py --task det --scale smoke')
    assert open(f'{out}/predictions.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    assert 'Predictions: `predictions.png`' in open(f'{out}/results.md').read()

"""The two-stage pipeline end to end, at the classification task's smoke scale on
real Fashion-MNIST; the task-generic parts (plans, metric keys, reports) of the
dense tasks are in test_pipeline_tasks.py."""
import csv
import os
import os.path as osp
import subprocess
import sys

import pytest
from sfkd_testing import subprocess_env

from sfkd.apis import get_task, plan, run_pipeline, summarise

pytestmark = pytest.mark.e2e

TASK = get_task('cls')
SCALES = TASK.scales


def test_plan_covers_every_teacher_method_and_seed():
    runs = plan(TASK, SCALES['full'], 'out')
    teachers = [r for r in runs if r.kind == 'teacher']
    distill = [r for r in runs if r.kind == 'distill']
    assert [r.teacher for r in teachers] == ['standard', 'sftn', 'soteacher']
    assert len(distill) == 3 * 3 * 3 and len({(r.teacher, r.method, r.seed) for r in distill}) == 27
    assert runs.index(teachers[-1]) < runs.index(distill[0])  # teachers first


def test_quick_start_command_runs_the_smoke_pipeline_then_it_resumes(tmp_path, fmnist_root,
                                                                     in_repo):
    """``bash tools/run_main.sh`` itself (set-up done: its steps are up to date) at the smoke
    scale; then the pipeline API reuses every run it finished."""
    scale, out = SCALES['smoke'], str(tmp_path / 'pipe')
    done = subprocess.run(['bash', 'tools/run_main.sh', '--scale', 'smoke', '--out', out],
                          capture_output=True, text=True, timeout=600,
                          env=subprocess_env(SFKD_VENV=sys.prefix, SFKD_FORMAT_CONFIG='1'))
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    printed = done.stdout.splitlines()
    assert '| teacher | teacher top-1 | student top-1, KD' in done.stdout
    assert printed[-1].startswith('10 runs in ') and printed[-1].endswith(
        f'{out}/results.md, results.csv, results.png')
    stamp = os.path.getmtime(f'{out}/kd_sftn_seed0/result.json')
    seen = []
    results = run_pipeline(TASK, scale, out, lambda run, i, n: seen.append((run.label, n)))
    assert os.path.getmtime(f'{out}/kd_sftn_seed0/result.json') == stamp  # nothing retrained
    assert len(results) == len(seen) == 3 + 1 + 3 * 2
    for r in results:
        assert 0.0 <= r['metrics']['accuracy'] <= 100.0
    # friendly teachers were exported and used as teacher_ckpt
    assert osp.isfile(f'{out}/teacher_sftn/teacher_final.pth')
    assert osp.isfile(f'{out}/teacher_soteacher/teacher_final.pth')
    distilled = [r for r in results if r['kind'] == 'distill']
    teacher_acc = {r['teacher']: r['metrics']['accuracy'] for r in results if r['kind'] == 'teacher'}
    for r in distilled:  # DistillValLoop evaluated the very teacher that was trained
        assert r['teacher_metrics']['accuracy'] == pytest.approx(teacher_acc[r['teacher']])

    table = summarise(TASK, results, scale, out, 'python tools/run_pipeline.py --scale smoke')
    rows = list(csv.DictReader(open(f'{out}/results.csv')))
    assert len(rows) == len(results)
    assert table.splitlines()[0].startswith('| teacher | teacher top-1 | student top-1, KD')
    assert {'| standard', '| SFTN', '| SoTeacher'} <= {ln.split(' |')[0] for ln in table.splitlines()}
    assert open(f'{out}/results.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    md = open(f'{out}/results.md').read()
    assert 'Command: `python tools/run_pipeline.py --scale smoke`' in md
    # the training time is stored: each run's own wall time, summed, with the machine
    assert all(r['seconds'] > 0 for r in results)
    minutes = sum(r['seconds'] for r in results) / 60
    assert f'Training time: {minutes:.1f} min for {len(results)} runs' in md
    assert f"{os.cpu_count()} cores" in md
    assert [float(r['seconds']) for r in rows] == [r['seconds'] for r in results]

    # a finished run is not reused by another scale
    import dataclasses
    other = dataclasses.replace(scale, student_epochs=2, teachers=('standard', ),
                                methods=('kd', ))
    rerun = run_pipeline(TASK, other, out)
    assert os.path.getmtime(f'{out}/kd_standard_seed0/result.json') > stamp
    assert rerun[0] == results[0]  # the standard teacher run is the same run


def test_teacher_variants_plan_their_own_options_epochs_and_start():
    import dataclasses

    from sfkd.apis import TeacherSpec
    specs = {'ft': TeacherSpec('configs/sftn/x.py', ('model.a=1', ), epochs=1,
                               finetune_from='standard')}
    scale = dataclasses.replace(SCALES['full'], teachers=('standard', 'ft'), methods=('kd', ),
                                teacher_specs=specs)
    runs = {r.label: r for r in plan(TASK, scale, 'out')}
    ft, std = runs['teacher ft seed0'], runs['teacher standard seed0']
    assert ft.config == 'configs/sftn/x.py' and ft.init_from == 'standard'
    assert 'train_cfg.max_epochs=1' in ft.options and ft.options[-1] == 'model.a=1'
    assert 'train_cfg.max_epochs=4' in std.options and std.init_from is None
    assert runs['distill ft kd seed2'].init_from == 'ft'


def test_teacher_checkpoint_prefers_the_exported_teacher(tmp_path):
    from sfkd.apis.pipeline import teacher_checkpoint
    (tmp_path / 'last_checkpoint').write_text(f'{tmp_path}/epoch_4.pth\n')
    assert teacher_checkpoint(str(tmp_path)) == f'{tmp_path}/epoch_4.pth'
    (tmp_path / 'teacher_final.pth').write_bytes(b'')
    assert teacher_checkpoint(str(tmp_path)) == f'{tmp_path}/teacher_final.pth'


def test_pipeline_with_the_teacher_cache_runs_each_teacher_once(tmp_path, fmnist_root,
                                                                monkeypatch):
    import dataclasses
    import glob
    import traceback

    from sfkd.models.teacher_sources import LiveTeacher
    scale = dataclasses.replace(SCALES['smoke'], teachers=('standard', ), methods=('kd', ),
                                seeds=(0, 1))
    out, cache = str(tmp_path / 'pipe'), str(tmp_path / 'cache')
    runs = [r for r in plan(TASK, scale, out) if r.kind != 'alone']
    calls = []
    original = LiveTeacher.records
    monkeypatch.setattr(LiveTeacher, 'records', lambda self, *a, **k: calls.append(
        [f.name for f in traceback.extract_stack()]) or original(self, *a, **k))
    results = run_pipeline(TASK, scale, out, runs=runs, teacher_cache=cache)
    distilled = [r for r in results if r['kind'] == 'distill']
    assert [r['seed'] for r in distilled] == [0, 1]
    assert all(f'teacher_cache.root={cache}' in r['options'] for r in distilled)
    # seed 1 read the cache that seed 0's run filled: the teacher ran for the 2 chunks
    # (256 images, batches of 128) of one fill and each run's 8-image probe of the taps,
    # never in a training step
    assert len(glob.glob(f'{cache}/*/COMPLETE')) == 1
    assert len(calls) == 256 // 128 + 2
    assert all('before_train' in stack and 'loss' not in stack for stack in calls)


def test_run_counts_line_tells_trained_from_reused(tmp_path):
    from sfkd_testing import load_tool
    tool = load_tool('tools/run_pipeline.py', 'run_pipeline_tool')
    runs = plan(TASK, SCALES['smoke'], str(tmp_path))
    start = 1_000_000.0
    for i, run in enumerate(runs):
        os.makedirs(run.work_dir)
        open(osp.join(run.work_dir, 'result.json'), 'w').close()
        # the first three finished before this call, the others in it
        os.utime(osp.join(run.work_dir, 'result.json'), (0, start - 10 if i < 3 else start + 5))
    n = len(runs)
    assert tool.runs_summary(runs, start, start + 90) == \
        f'{n} runs ({n - 3} trained in 1.5 min, 3 reused)'
    for run in runs:
        os.utime(osp.join(run.work_dir, 'result.json'), (0, start - 1))
    assert tool.runs_summary(runs, start, start + 1) == f'{n} runs, all reused from earlier calls'
    for run in runs:
        os.utime(osp.join(run.work_dir, 'result.json'), (0, start + 1))
    assert tool.runs_summary(runs, start, start + 762) == f'{n} runs in 12.7 min'
    # a run without a result.json counts as trained in this call
    for run in runs[:2]:
        os.utime(osp.join(run.work_dir, 'result.json'), (0, start - 1))
    os.remove(osp.join(runs[0].work_dir, 'result.json'))
    assert tool.runs_summary(runs, start, start + 60) == f'{n} runs ({n - 1} trained in 1.0 min, 1 reused)'

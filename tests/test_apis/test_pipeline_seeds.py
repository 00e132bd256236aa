"""The pipeline's switches: teacher seeds (plans, result records, the report's cells
and teacher-seed spread, worked out by hand in the comments), the students' loss
weights per paper (options that reach the built model), the augmented training
pipeline (views of real Fashion-MNIST, the teacher cache replaying them), method
labels and the command line. No run trains but the one cached augmented run;
the pipeline's ``train`` (sfkd.apis.train) is replaced where only plans and records are
checked."""
import csv
import dataclasses
import json
import os
import os.path as osp
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import load_tool, tiny_options

from sfkd.apis import TeacherSpec, get_task, plan, run_pipeline, summarise
from sfkd.apis import pipeline as pipeline_mod
from sfkd.apis.report import metric_table, teacher_seed_table

pytestmark = pytest.mark.integration

TASK = get_task('cls')
SMOKE = TASK.scales['smoke']
AUG_DATA = 'sfkd::_base_/datasets/fashion_mnist_aug.py'
KD_CFG = 'sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'


def names(runs):
    return [osp.basename(r.work_dir) for r in runs]


# ---------------------------------------------------------------- plans


def test_the_single_teacher_seed_zero_keeps_todays_names_and_options():
    scale = dataclasses.replace(SMOKE, teacher_seeds=(0, ), seeds=(0, 1))
    runs = plan(TASK, scale, 'out')
    assert names(runs) == [
        'teacher_standard', 'teacher_sftn', 'teacher_soteacher',
        'alone_seed0', 'kd_standard_seed0', 'at_standard_seed0', 'kd_sftn_seed0',
        'at_sftn_seed0', 'kd_soteacher_seed0', 'at_soteacher_seed0',
        'alone_seed1', 'kd_standard_seed1', 'at_standard_seed1', 'kd_sftn_seed1',
        'at_sftn_seed1', 'kd_soteacher_seed1', 'at_soteacher_seed1']
    assert all(r.teacher_seed is None for r in runs)
    assert [r.init_from for r in runs if r.kind == 'distill'][:2] == ['standard', 'standard']
    teacher = runs[0]
    assert teacher.label == 'teacher standard seed0'
    assert teacher.options == ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                               'randomness.seed=0', 'log_level=ERROR',
                               'default_hooks.checkpoint.max_keep_ckpts=1',
                               'train_dataloader.dataset.indices=256',
                               'val_dataloader.dataset.indices=256']
    assert runs[-1].options == teacher.options[:2] + ['randomness.seed=1'] + teacher.options[3:]


def test_several_teacher_seeds_train_each_teacher_per_seed_and_pair_students_with_one():
    specs = {'ft': TeacherSpec('configs/sftn/x.py', epochs=1, finetune_from='standard')}
    scale = dataclasses.replace(SMOKE, teachers=('standard', 'ft'), methods=('kd', ),
                                seeds=(0, 1), teacher_seeds=(0, 1, 2), teacher_specs=specs)
    runs = plan(TASK, scale, 'out')
    teachers = [r for r in runs if r.kind == 'teacher']
    assert names(teachers) == ['teacher_standard_seed0', 'teacher_standard_seed1',
                               'teacher_standard_seed2', 'teacher_ft_seed0', 'teacher_ft_seed1',
                               'teacher_ft_seed2']
    assert [r.teacher_seed for r in teachers] == [0, 1, 2, 0, 1, 2] == [r.seed for r in teachers]
    assert [f'randomness.seed={t}' in r.options for t, r in zip([0, 1, 2] * 2, teachers)] == \
        [True] * 6
    # a fine-tuned teacher starts from the teacher of its own seed
    assert [r.init_from for r in teachers] == [None] * 3 + ['standard_seed0', 'standard_seed1',
                                                            'standard_seed2']
    distill = [r for r in runs if r.kind == 'distill']
    assert len(distill) == 2 * 3 * 2  # teacher types x teacher seeds x student seeds
    assert names(distill)[:6] == ['kd_standard_tseed0_seed0', 'kd_standard_tseed1_seed0',
                                  'kd_standard_tseed2_seed0', 'kd_ft_tseed0_seed0',
                                  'kd_ft_tseed1_seed0', 'kd_ft_tseed2_seed0']
    r = distill[1]
    assert (r.init_from, r.teacher_seed, r.seed, r.label) == \
        ('standard_seed1', 1, 0, 'distill standard kd tseed1 seed0')
    assert 'randomness.seed=0' in r.options
    # the student alone does not depend on a teacher: once per student seed
    assert names(r for r in runs if r.kind == 'alone') == ['alone_seed0', 'alone_seed1']
    # a single teacher seed other than 0 is named by its seed too
    one = plan(TASK, dataclasses.replace(scale, teacher_seeds=(3, )), 'out')
    assert names(one)[0] == 'teacher_standard_seed3' and one[0].teacher_seed == 3


def test_repeated_teacher_seeds_are_refused():
    with pytest.raises(ValueError, match=r'teacher_seeds=\[1, 1\] must be distinct'):
        plan(TASK, dataclasses.replace(SMOKE, teacher_seeds=(1, 1)), 'out')


class FakeRunner:
    """What execute() reads of a finished run."""

    def __init__(self, accuracy):
        scalar = SimpleNamespace(current=lambda: accuracy)
        self.message_hub = SimpleNamespace(log_scalars={'val/accuracy/top1': scalar})
        self.model = SimpleNamespace(get_teacher=object)
        self.val_loop = SimpleNamespace(evaluate_teacher=False)


def fake_training(monkeypatch):
    calls = []

    def train(config, work_dir, cfg_options):
        calls.append(dict(config=config, work_dir=work_dir, cfg_options=cfg_options))
        os.makedirs(work_dir, exist_ok=True)
        return SimpleNamespace(runner=FakeRunner(50.0 + len(calls)))
    monkeypatch.setattr(pipeline_mod, 'train', train)
    return calls


def test_results_carry_the_teacher_seed_and_students_get_its_checkpoint(tmp_path, monkeypatch):
    calls = fake_training(monkeypatch)
    out = str(tmp_path / 'pipe')
    scale = dataclasses.replace(SMOKE, teachers=('standard', ), methods=('kd', ), seeds=(0, ),
                                teacher_seeds=(0, 1))
    results = run_pipeline(TASK, scale, out)
    assert [(r['kind'], r.get('teacher_seed')) for r in results] == \
        [('teacher', 0), ('teacher', 1), ('alone', None), ('distill', 0), ('distill', 1)]
    assert calls[4]['cfg_options']['model.teacher_ckpt'] == \
        f'{out}/teacher_standard_seed1/teacher_final.pth'
    stored = json.load(open(f'{out}/kd_standard_tseed1_seed0/result.json'))
    assert stored['teacher_seed'] == 1 and stored['metrics'] == {'accuracy': 55.0}
    # a single teacher seed 0 writes the records of today: no teacher_seed
    legacy = run_pipeline(TASK, dataclasses.replace(scale, teacher_seeds=(0, )),
                          str(tmp_path / 'legacy'))
    assert all('teacher_seed' not in r for r in legacy)
    assert set(json.load(open(f'{tmp_path}/legacy/kd_standard_seed0/result.json'))) == \
        {'kind', 'teacher', 'method', 'seed', 'metrics', 'config', 'options', 'seconds', 'machine',
         'code'}


# ---------------------------------------------------------------- report

TSCALE = dataclasses.replace(TASK.scales['full'], seeds=(0, 1), teacher_seeds=(0, 1, 2),
                             teachers=('standard', 'sftn'), methods=('kd', 'fitnets'))
TEACHERS = {'standard': [90.0, 92.0, 94.0], 'sftn': [91.0, 91.0, 91.5]}
STUDENTS = {  # (teacher, method) -> teacher seed -> student seeds 0, 1
    ('standard', 'kd'): {0: [88.0, 90.0], 1: [89.0, 91.0], 2: [90.0, 92.0]},
    ('standard', 'fitnets'): {0: [85.0, 85.0], 1: [86.0, 86.0], 2: [87.0, 87.0]},
    ('sftn', 'kd'): {0: [90.0, 90.0], 1: [90.0, 90.0], 2: [93.0, 93.0]},
}


def seeded_results():
    out = [dict(kind='teacher', teacher=t, method='-', seed=s, teacher_seed=s,
                metrics={'accuracy': v}) for t, vs in TEACHERS.items() for s, v in enumerate(vs)]
    out += [dict(kind='alone', teacher='-', method='-', seed=s, metrics={'accuracy': v})
            for s, v in enumerate([85.0, 86.0])]
    for (t, m), per_seed in STUDENTS.items():
        out += [dict(kind='distill', teacher=t, method=m, seed=s, teacher_seed=ts,
                     metrics={'accuracy': v}, seconds=60.0)
                for ts, vs in per_seed.items() for s, v in enumerate(vs)]
    return out


TABLE = [
    '| teacher | teacher top-1 | student top-1, KD | student top-1, FitNets |',
    '| --- | --- | --- | --- |',
    # teacher 90, 92, 94: mean 92, deviations -2, 0, 2 -> sqrt(8 / 2) = 2
    # KD, all 6 runs 88, 90, 89, 91, 90, 92: mean 90, squares 4+0+1+1+0+4 = 10 -> sqrt(10/5) = 1.41
    # FitNets 85, 85, 86, 86, 87, 87: mean 86, squares 1+1+0+0+1+1 = 4 -> sqrt(4/5) = 0.89
    '| standard | 92.00 ± 2.00 | 90.00 ± 1.41 | 86.00 ± 0.89 |',
    # teacher 91, 91, 91.5: mean 91.17, deviations -1/6, -1/6, 2/6 -> sqrt(6/36 / 2) = 0.29
    # KD 90, 90, 90, 90, 93, 93: mean 91, squares 1+1+1+1+4+4 = 12 -> sqrt(12/5) = 1.55
    '| SFTN | 91.17 ± 0.29 | 91.00 ± 1.55 | - |',
    '| (student alone) | - | 85.50 ± 0.71 (no teacher) | |',
]
SPREAD = [
    '| teacher | teacher-seed spread, KD | teacher-seed spread, FitNets |',
    '| --- | --- | --- |',
    # per-teacher-seed means 89, 90, 91 -> std 1; 85, 86, 87 -> std 1
    '| standard | 1.00 (89.00 / 90.00 / 91.00) | 1.00 (85.00 / 86.00 / 87.00) |',
    # means 90, 90, 93: mean 91, deviations -1, -1, 2 -> sqrt(6 / 2) = 1.73
    '| SFTN | 1.73 (90.00 / 90.00 / 93.00) | - |',
]


def test_teacher_cells_over_teacher_seeds_and_student_cells_over_all_runs():
    assert metric_table(TASK, seeded_results(), TSCALE, TASK.primary, {}).splitlines() == TABLE
    assert teacher_seed_table(TASK, seeded_results(), TSCALE, TASK.primary).splitlines() == SPREAD


def test_summary_and_csv_with_teacher_seeds(tmp_path):
    runs = seeded_results()
    table = summarise(TASK, runs, TSCALE, str(tmp_path), 'python tools/run_pipeline.py '
                      '--teacher-seeds 0 1 2')
    assert table.splitlines()[:len(TABLE)] == TABLE and table.splitlines()[-4:] == SPREAD
    md = open(tmp_path / 'results.md').read()
    assert 'teachers 4 epochs (seeds [0, 1, 2])' in md
    assert '\n'.join(SPREAD) in md and 'over the teacher seeds [0, 1, 2]' in md
    rows = list(csv.DictReader(open(tmp_path / 'results.csv')))
    assert list(rows[0])[:5] == ['kind', 'teacher', 'method', 'seed', 'teacher_seed']
    assert [r['teacher_seed'] for r in rows if r['kind'] == 'alone'] == ['', '']
    assert [r['teacher_seed'] for r in rows if r['kind'] == 'teacher'] == ['0', '1', '2'] * 2


def test_one_teacher_seed_reports_as_before(tmp_path):
    runs = [dict(kind='teacher', teacher='standard', method='-', seed=0,
                 metrics={'accuracy': 93.0}),
            dict(kind='distill', teacher='standard', method='kd', seed=0,
                 metrics={'accuracy': 90.0})]
    scale = dataclasses.replace(TSCALE, teacher_seeds=(0, ), teachers=('standard', ),
                                methods=('kd', ))
    assert teacher_seed_table(TASK, runs, scale, TASK.primary) == ''
    table = summarise(TASK, runs, scale, str(tmp_path), 'python tools/run_pipeline.py')
    assert table.splitlines()[2] == '| standard | 93.00 | 90.00 |'
    assert 'spread' not in open(tmp_path / 'results.md').read()
    assert 'teachers 4 epochs (seed 0)' in open(tmp_path / 'results.md').read()
    assert next(csv.reader(open(tmp_path / 'results.csv')))[:5] == \
        ['kind', 'teacher', 'method', 'seed', 'accuracy']


def test_method_labels_in_the_table_header_and_the_plot(tmp_path, monkeypatch):
    import matplotlib.axes
    assert [TASK.method_label(m) for m in ('kd', 'fitnets', 'at')] == ['KD', 'FitNets', 'AT']
    assert get_task('det').method_label('cwd') == 'CWD'  # no mapping: upper case
    ticks = []
    original = matplotlib.axes.Axes.set_xticks
    monkeypatch.setattr(matplotlib.axes.Axes, 'set_xticks',
                        lambda self, pos, labels=None, **k: ticks.append(labels) or
                        original(self, pos, labels, **k))
    from sfkd.apis.report import plot
    plot(TASK, seeded_results(), TSCALE, str(tmp_path / 'p.png'))
    assert ticks == [['KD', 'FitNets']]


# ---------------------------------------------------------------- student weights


def distill_options(scale):
    return {(r.teacher, r.method): r.options for r in plan(TASK, scale, 'out')
            if r.kind == 'distill' and r.seed == scale.seeds[0]}


def test_paper_weights_give_the_friendly_teachers_kd_students_their_papers_weights():
    scale = dataclasses.replace(TASK.scales['full'], methods=('kd', 'fitnets', 'at'))
    shared, paper = distill_options(scale), \
        distill_options(dataclasses.replace(scale, student_weights='paper'))
    assert paper[('soteacher', 'kd')][-2:] == ['model.student_loss_weight=0.5',
                                               'model.distill_losses.loss_kd.loss_weight=0.5']
    assert paper[('sftn', 'kd')][-2:] == ['model.student_loss_weight=0.1',
                                          'model.distill_losses.loss_kd.loss_weight=0.9']
    # the standard teacher's students and FitNets/AT keep their configs' weights
    for key in [('standard', 'kd')] + [(t, m) for t in ('standard', 'sftn', 'soteacher')
                                       for m in ('fitnets', 'at')]:
        assert paper[key] == shared[key], key
    assert shared[('soteacher', 'kd')] == shared[('standard', 'kd')]  # shared: no extra options
    with pytest.raises(ValueError, match="student_weights='papers' is not one of"):
        plan(TASK, dataclasses.replace(scale, student_weights='papers'), 'out')


def test_paper_weights_reach_the_built_models_loss_weights(tmp_path):
    from sfkd.models.model_config import build_model
    from sfkd.registry import MODELS
    from sfkd.tools.train import build_config, parse_args
    with DefaultScope.overwrite_default_scope('sfkd'):
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    scale = dataclasses.replace(SMOKE, student_weights='paper', methods=('kd', ))
    weights = {}
    for r in plan(TASK, scale, 'out'):
        if r.kind == 'distill':
            cfg = build_config(parse_args([r.config, '--cfg-options', *r.options,
                                           f'model.teacher_ckpt={ckpt}']))
            with DefaultScope.overwrite_default_scope('sfkd'):
                model = MODELS.build(cfg.model)
            weights[r.teacher] = (model.student_loss_weight,
                                  model.distill_losses['loss_kd'].loss_weight)
    assert weights == {'standard': (0.1, 0.9), 'sftn': (0.1, 0.9), 'soteacher': (0.5, 0.5)}


# ---------------------------------------------------------------- augmentation


def test_augment_gives_every_run_the_augmented_pipeline(fmnist_root, in_repo):
    # in_repo: the datasets are built here from the config, whose data_root is relative
    from sfkd.datasets.pipeline_from import apply_train_pipeline_from
    from sfkd.registry import DATASETS
    from sfkd.tools.train import build_config, parse_args
    from sfkd.utils.config_loading import read_config
    scale = dataclasses.replace(SMOKE, train_pipeline_from=TASK.augmented_data)
    assert TASK.augmented_data == AUG_DATA
    runs = plan(TASK, scale, 'out')
    assert all(r.options[-1] == f'train_pipeline_from={AUG_DATA}' for r in runs)
    assert {r.kind for r in runs} == {'teacher', 'alone', 'distill'}

    def dataset(options):
        cfg = build_config(parse_args([KD_CFG, '--cfg-options', *options]))
        apply_train_pipeline_from(cfg)  # as sfkd's train loop does when it is built
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            return cfg, DATASETS.build(cfg.train_dataloader.dataset)
    student = next(r for r in runs if r.kind == 'distill')
    cfg, views = dataset(student.options)
    wanted = read_config(AUG_DATA).train_dataloader.dataset.pipeline
    assert cfg.train_dataloader.dataset.pipeline == wanted
    assert [t['type'] for t in wanted] == ['mmpretrain.RandomCrop', 'mmpretrain.RandomFlip',
                                           'mmpretrain.PackInputs']
    _, plain = dataset(student.options[:-1])
    assert len(views) == len(plain) == 256
    np.random.seed(0)
    draws = [[views[i] for i in range(6)] for _ in range(2)]
    for i in range(6):
        original = plain[i]['inputs'][0].numpy()
        padded = np.pad(original, 4)
        # every view is a 28x28 crop of the zero-padded image, flipped or not
        crops = [padded[y:y + 28, x:x + 28] for y in range(9) for x in range(9)]
        crops += [c[:, ::-1] for c in crops]
        for draw in draws:
            view = draw[i]['inputs'][0].numpy()
            assert any(np.array_equal(view, c) for c in crops), i
            assert int(draw[i]['data_samples'].gt_label) == int(plain[i]['data_samples'].gt_label)
    assert any(not torch.equal(a['inputs'], b['inputs']) for a, b in zip(*draws))


def test_the_teacher_cache_replays_the_augmented_views(tmp_path, fmnist_root):
    """One real run: KD on 64 images, 2 epochs, with the teacher-output cache."""
    from sfkd.engine.teacher_cache.store import CacheStore
    from sfkd.models.model_config import build_model
    from sfkd.tools import train as train_tool
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    cache = tmp_path / 'cache'
    runner = train_tool.run([KD_CFG, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32, epochs=2),
                             f'model.teacher_ckpt={ckpt}', 'randomness.seed=7',
                             'train_dataloader.sampler.shuffle=False', 'log_level=WARNING',
                             f'teacher_cache.root={cache}', 'teacher_cache.progress=False',
                             f'train_pipeline_from={AUG_DATA}'])
    folder = [p for p in cache.iterdir() if p.is_dir()]
    store = CacheStore(str(folder[0]), CacheStore.read_meta(str(folder[0])))
    assert len(folder) == 1 and store.views == 2 and store.complete  # a random pipeline
    views, model = runner.train_loop.dataloader.dataset, runner.model
    slots = [0, 1, 64, 65]  # samples 0 and 1 in view 0 and in view 1
    data = model.data_preprocessor(runner.train_loop.dataloader.collate_fn(
        [views[s] for s in slots]), True)
    live = model.teacher_records(data['inputs'], data['data_samples'])['logits']
    assert torch.equal(live, torch.from_numpy(store.array('logits.value')[slots]))
    assert any(not torch.equal(data['inputs'][i], data['inputs'][i + 2]) for i in (0, 1))


def test_a_missing_pipeline_file_is_one_clear_error():
    from sfkd.tools.train import build_config, parse_args
    from sfkd.utils.errors import BadConfigError
    with pytest.raises(BadConfigError, match=r'train_pipeline_from=configs/nope.py: no such '
                       'config file; pass the path of a data config'):
        build_config(parse_args([KD_CFG, '--cfg-options', 'train_pipeline_from=configs/nope.py']))
    with pytest.raises(BadConfigError, match='has no train_dataloader.dataset.pipeline'):
        build_config(parse_args([KD_CFG, '--cfg-options',
                                 'train_pipeline_from=sfkd::_base_/default_runtime.py']))


# ---------------------------------------------------------------- command line


@pytest.fixture
def cli(monkeypatch):
    module = load_tool('tools/run_pipeline.py', 'run_pipeline_cli')
    seen = {}
    monkeypatch.setattr(module, 'run_with_progress',
                        lambda task, scale, out, **k: seen.update(
                            scale=scale, out=out, cache=k.get('teacher_cache')) or [])
    monkeypatch.setattr(module, 'summarise',
                        lambda task, results, scale, out, command: seen.update(command=command)
                        or '')

    def main(*argv):
        monkeypatch.setattr(sys, 'argv', ['run_pipeline.py', *argv])
        module.main()
        return seen
    return main


def test_the_switches_on_the_command_line(cli):
    seen = cli('--scale', 'smoke', '--teacher-seeds', '0', '1', '2', '--student-weights',
               'paper', '--augment')
    scale = seen['scale']
    assert (tuple(scale.teacher_seeds), scale.student_weights, scale.train_pipeline_from) == \
        ((0, 1, 2), 'paper', AUG_DATA)
    assert seen['out'] == 'work_dirs/pipeline_smoke_tseeds0-1-2_paper-weights_aug'
    assert seen['command'] == ('python tools/run_pipeline.py --scale smoke --teacher-seeds '
                               '0 1 2 --student-weights paper --augment')
    plain = cli('--scale', 'smoke')
    assert plain['out'] == 'work_dirs/pipeline_smoke' and plain['scale'] == SMOKE
    assert plain['command'] == 'python tools/run_pipeline.py --scale smoke'


def test_teachers_and_methods_pick_the_runs_and_name_the_folder(cli, capsys):
    seen = cli('--task', 'det', '--scale', 'full', '--teachers', 'standard', '--methods', 'pkd',
               'cwd', 'bckd', 'crosskd')
    assert (seen['scale'].teachers, seen['scale'].methods) == (
        ('standard', ), ('pkd', 'cwd', 'bckd', 'crosskd'))
    assert seen['out'] == 'work_dirs/pipeline_det_full_teachers-standard_methods-pkd-cwd-bckd-crosskd'
    assert seen['command'] == ('python tools/run_pipeline.py --task det --scale full '
                               '--teachers standard --methods pkd cwd bckd crosskd')
    with pytest.raises(SystemExit):
        cli('--task', 'det', '--methods', 'pkd', 'nkd')
    assert "--methods pkd nkd: give each once, from the det task's ['bckd', 'crosskd', 'cwd', " \
        "'fitnets', 'mgd', 'pkd']" in capsys.readouterr().err


def test_augment_for_a_task_without_an_augmented_pipeline_is_refused(cli, capsys):
    with pytest.raises(SystemExit):
        cli('--task', 'det', '--augment')
    assert '--augment: the det task has no augmented training pipeline' in capsys.readouterr().err


def test_the_default_scale_reads_the_teacher_cache_unless_told_not_to(cli, capsys):
    seen = cli()
    assert seen['cache'] == 'work_dirs/pipeline_default/teacher_cache'
    assert seen['command'] == 'python tools/run_pipeline.py'  # the default needs no flag
    seen = cli('--no-teacher-cache')
    assert seen['cache'] is None
    assert seen['command'] == 'python tools/run_pipeline.py --no-teacher-cache'
    seen = cli('--scale', 'smoke')  # a scale without the cache by default
    assert seen['cache'] is None
    seen = cli('--scale', 'smoke', '--teacher-cache')
    assert seen['cache'] == 'work_dirs/pipeline_smoke/teacher_cache'
    assert seen['command'] == 'python tools/run_pipeline.py --scale smoke --teacher-cache'
    with pytest.raises(SystemExit):
        cli('--teacher-cache', '--no-teacher-cache')
    assert '--teacher-cache and --no-teacher-cache: give one of them' in capsys.readouterr().err


def test_scale_options_reach_every_run_after_the_data_options(tmp_path):
    from sfkd.apis.tasks.classification import SHORT_WARMUP
    scale = dataclasses.replace(SMOKE, options=SHORT_WARMUP)
    runs = plan(TASK, scale, str(tmp_path))
    assert runs and all(r.options[-3:] == list(SHORT_WARMUP) for r in runs)
    assert not any(o in r.options for r in plan(TASK, SMOKE, str(tmp_path)) for o in SHORT_WARMUP)

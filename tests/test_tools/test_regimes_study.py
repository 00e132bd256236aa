"""projects/regimes_study: its script and the configs of its regimes.

The smoke scale of the gap regime runs end to end on 256 real training images
(1 epoch); the parameter ratio of the gap pair and the cross-family student
are checked on the models the configs build."""
import csv
import json
import os
import os.path as osp

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, load_tool

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.utils.config_loading import read_config

pytestmark = pytest.mark.e2e

PROJECT = osp.join(ROOT, 'projects', 'regimes_study')

NEW_CONFIGS = [
    'baseline/small-resnet_aug_fashion-mnist.py', 'baseline/tiny-resnet_aug_fashion-mnist.py',
    'baseline/micro-resnet_aug_fashion-mnist.py',
    'baseline/mobilenet-v2-small_aug_fashion-mnist.py',
    'sftn/sftn-aug_small-resnet_tiny-resnet_fashion-mnist.py',
    'sftn/sftn-aug_small-resnet_micro-resnet_fashion-mnist.py',
    'sftn/sftn-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py',
    'soteacher/soteacher-aug_small-resnet_fashion-mnist.py',
    'soteacher/soteacher-aug-steps_small-resnet_fashion-mnist.py',
    'kd/kd-aug_small-resnet_tiny-resnet_fashion-mnist.py',
    'kd/kd-aug_small-resnet_micro-resnet_fashion-mnist.py',
    'kd/kd-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py',
]


def load_study():
    return load_tool('projects/regimes_study/regimes_study.py', 'regimes_study')


@pytest.fixture(autouse=True)
def sfkd_scope(monkeypatch):
    monkeypatch.chdir(ROOT)
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def real_images(fmnist_root, n=4, split='test'):
    from sfkd.registry import DATASETS
    # mmpretrain's MNIST reads the test files by test_mode, not by split
    ds = DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root, split=split,
                             test_mode=split == 'test', download=False, indices=n,
                             pipeline=[dict(type='mmpretrain.PackInputs')]))
    items = [ds[i] for i in range(len(ds))]
    return dict(inputs=[i['inputs'] for i in items],
                data_samples=[i['data_samples'] for i in items])


def test_gap_regime_smoke_end_to_end(tmp_path, fmnist_root):
    study = load_study()
    runs, out = str(tmp_path / 'runs'), str(tmp_path / 'report')
    # --only: one teacher and its KD students, nothing else and no report
    study.main(['--regime', 'gap', '--scale', 'smoke', '--dir', runs, '--out', out,
                '--only', 'sftn-gap'])
    assert sorted(os.listdir(runs)) == ['micro-resnet', 'teacher_sftn-gap']
    assert os.listdir(f'{runs}/micro-resnet') == ['kd_sftn-gap_seed0']
    assert not osp.exists(out)
    only = {p: os.stat(p).st_mtime_ns for p in
            [f'{runs}/teacher_sftn-gap/result.json', f'{runs}/micro-resnet/kd_sftn-gap_seed0/result.json']}
    # the call without --only reuses those runs and trains the rest
    study.main(['--regime', 'gap', '--scale', 'smoke', '--dir', runs, '--out', out])
    assert {p: os.stat(p).st_mtime_ns for p in only} == only

    rows = list(csv.DictReader(open(f'{out}/study.csv')))
    assert [r['teacher'] for r in rows] == ['standard', 'sftn-gap', 'soteacher', '-']
    assert [r['teacher_type'] for r in rows] == ['standard', 'sftn', 'soteacher', 'alone']
    # the teachers live in the shared runs folder, the students under their student's name
    for name in ('standard', 'sftn-gap', 'soteacher'):
        assert osp.isfile(f'{runs}/teacher_{name}/teacher_final.pth')
        kd = json.load(open(f'{runs}/micro-resnet/kd_{name}_seed0/result.json'))
        assert f'model.teacher_ckpt={runs}/teacher_{name}/teacher_final.pth' in kd['options']
        assert 'train_dataloader.dataset.indices=256' in kd['options']
        assert kd['config'].endswith('kd/kd-aug_small-resnet_micro-resnet_fashion-mnist.py')
        row = next(r for r in rows if r['teacher'] == name)
        # the student's accuracy is the one its own run measured
        assert float(row['student_top1']) == pytest.approx(kd['metrics']['accuracy'], abs=1e-6)
        assert 0.0 <= float(row['teacher_ece']) <= 100.0
    teacher = json.load(open(f'{runs}/teacher_sftn-gap/result.json'))
    assert teacher['config'].endswith('sftn-aug_small-resnet_micro-resnet_fashion-mnist.py')
    assert 'train_cfg.max_epochs=1' in teacher['options']

    # the standard teacher's numbers, recomputed here from its checkpoint
    from sfkd.apis.agreement import load_classifier
    model = load_classifier(f'{PROJECT}/configs/baseline/small-resnet_aug_fashion-mnist.py',
                            f'{runs}/teacher_standard/teacher_final.pth')
    model.eval()
    standard = rows[0]
    for split, n, key in (('test', 256, 'teacher_top1'), ('train', 256, 'teacher_train_top1')):
        batch = real_images(fmnist_root, n, split)
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            logits = model(data['inputs'], mode='tensor')
        labels = torch.tensor([int(s.gt_label) for s in batch['data_samples']])
        assert float(standard[key]) == pytest.approx(
            100.0 * (logits.argmax(1) == labels).float().mean().item(), abs=1e-3)
        if split == 'test':
            probs = logits.double().softmax(1)
            nll = -probs[torch.arange(n), labels].log().mean().item()
            assert float(standard['teacher_nll']) == pytest.approx(nll, rel=1e-5)

    md = open(f'{out}/study.md').read()
    assert 'Command: `python projects/regimes_study/regimes_study.py --regime gap --scale smoke' in md
    assert '| teacher sftn-gap | 1 |' in md and '| total | 7 |' in md
    assert open(f'{out}/study.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    full = list(csv.DictReader(open(f'{out}/full_runs.csv')))
    assert [r['candidate'] for r in full] == ['teacher_standard', 'teacher_sftn-gap',
                                              'teacher_soteacher']

    # a second call trains nothing: every run's result is reused
    stamps = {p: os.stat(p).st_mtime_ns for p in
              [f'{runs}/teacher_standard/result.json', f'{runs}/micro-resnet/alone_seed0/result.json']}
    study.main(['--regime', 'gap', '--scale', 'smoke', '--dir', runs, '--out', out])
    assert {p: os.stat(p).st_mtime_ns for p in stamps} == stamps


def test_only_names_a_teacher_of_the_regime(tmp_path, capsys):
    study = load_study()
    with pytest.raises(SystemExit):
        study.main(['--regime', 'gap', '--scale', 'smoke', '--dir', str(tmp_path),
                    '--only', 'sftn-xfam'])
    err = capsys.readouterr().err
    assert "--only: ['sftn-xfam'] not teacher(s) of the gap regime" in err
    assert "'sftn-gap'" in err
    assert os.listdir(tmp_path) == []


def test_gap_pair_teacher_has_over_ten_times_the_students_parameters():
    cfg = Config.fromfile(f'{PROJECT}/configs/kd/kd-aug_small-resnet_micro-resnet_fashion-mnist.py')
    teacher, student = build_model(cfg.model.teacher.to_dict()), \
        build_model(cfg.model.student.to_dict())
    assert n_params(teacher) >= 10 * n_params(student), (n_params(teacher), n_params(student))
    # and the gap regime's SFTN branches are that student
    sftn = Config.fromfile(
        f'{PROJECT}/configs/sftn/sftn-aug_small-resnet_micro-resnet_fashion-mnist.py')
    assert sftn.model.branches[0].student.cfg_path == cfg.model.student.cfg_path


def test_cross_family_student_builds_and_forwards_grey_images(fmnist_root):
    cfg = Config.fromfile(f'{PROJECT}/configs/baseline/mobilenet-v2-small_aug_fashion-mnist.py')
    model = build_model(cfg.model.to_dict())
    model.eval()
    from mmpretrain.models.backbones import MobileNetV2
    assert isinstance(model.backbone, MobileNetV2)
    batch = real_images(fmnist_root, 4)
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        assert tuple(data['inputs'].shape) == (4, 1, 28, 28)
        feats = model.backbone(data['inputs'])
        logits = model(data['inputs'], mode='tensor')
    assert tuple(feats[-1].shape) == (4, 64, 7, 7)
    assert tuple(logits.shape) == (4, 10) and torch.isfinite(logits).all()
    # smaller than its teacher, the small ResNet
    teacher = build_model(Config.fromfile(
        f'{PROJECT}/configs/baseline/small-resnet_aug_fashion-mnist.py').model.to_dict())
    assert n_params(model) < n_params(teacher)


def test_cross_family_sftn_teacher_attaches_the_mobilenet_branches():
    cfg = Config.fromfile(
        f'{PROJECT}/configs/sftn/sftn-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py')
    model = MODELS.build(cfg.model)  # the dry run checks every attach point's shapes
    student = model.students['b0']
    from mmpretrain.models.backbones import MobileNetV2
    assert isinstance(student.backbone, MobileNetV2)


@pytest.mark.parametrize('path', NEW_CONFIGS)
def test_regime_configs_load_and_build(path, tmp_path):
    cfg = Config.fromfile(f'{PROJECT}/configs/{path}')
    steps = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert steps == ['mmpretrain.RandomCrop', 'mmpretrain.RandomFlip', 'mmpretrain.PackInputs']
    assert [t['type'] for t in cfg.val_dataloader.dataset.pipeline] == ['mmpretrain.PackInputs']
    model = cfg.model.to_dict()
    if model['type'] == 'Distiller':
        model['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': build_model(model['teacher']).state_dict()},
                   model['teacher_ckpt'])
        MODELS.build(model)
    elif model['type'] in ('SFTN', 'SoTeacher'):
        MODELS.build(model)
    else:
        build_model(model)


def test_sweep_options_change_the_sftn_teacher():
    from mmengine.config import DictAction
    study = load_study()
    specs = study.REGIMES['sweep'].teachers()
    assert len(specs) >= 6  # the candidates select_teacher.py is validated on
    for name, (lkl, tau) in study.REGIMES['sweep'].sftn.items():
        cfg = read_config(specs[name].config)  # the project's sftn/ config
        cfg.merge_from_dict({k: DictAction._parse_iterable(v) for k, v in
                             (o.split('=', 1) for o in specs[name].options)})
        assert cfg.model.branch_imitation_weight == lkl and cfg.model.imitation_loss.tau == tau


def test_teacher_seeds_plan_keeps_seed_zero_names(tmp_path):
    study = load_study()
    scale = study.dataclasses.replace(study.SCALES['smoke'], seeds=(0, 1), teacher_seeds=(0, 2))
    runs = study.regime_plan(study.REGIMES['gap'], scale, 'R')
    teachers = [r for r in runs if r.kind == 'teacher']
    assert [r.work_dir for r in teachers] == [
        'R/teacher_standard', 'R/teacher_standard_seed2', 'R/teacher_sftn-gap',
        'R/teacher_sftn-gap_seed2', 'R/teacher_soteacher', 'R/teacher_soteacher_seed2']
    assert 'randomness.seed=2' in teachers[1].options and 'randomness.seed=0' in teachers[0].options
    kd = [r for r in runs if r.kind == 'distill' and r.teacher == 'standard']
    assert [(r.work_dir, r.init_from, r.seed) for r in kd] == [
        ('R/micro-resnet/kd_standard_seed0', 'standard', 0),
        ('R/micro-resnet/kd_standard_tseed2_seed0', 'standard_seed2', 0),
        ('R/micro-resnet/kd_standard_seed1', 'standard', 1),
        ('R/micro-resnet/kd_standard_tseed2_seed1', 'standard_seed2', 1)]
    # a single teacher seed plans exactly the runs of the single-seed study
    single = study.regime_plan(study.REGIMES['gap'], study.SCALES['smoke'], 'R')
    assert [(r.work_dir, r.options) for r in single] == [
        (r.work_dir, r.options) for r in runs
        if r.seed == 0 and (r.teacher_seed in (None, 0) or r.kind == 'alone')]


def test_report_over_teacher_seeds(tmp_path):
    """Made-up results of two teacher seeds x two seeds: the table's cells are over
    all four runs, the spread table per teacher seed, full_runs.csv per teacher run."""
    study = load_study()
    regime = study.Regime('toy', 'a toy regime', 'micro-resnet', {})
    teacher = {(0): dict(teacher_top1=90.0, teacher_train_top1=99.0, teacher_ece=1.0,
                         teacher_nll=0.30),
               (1): dict(teacher_top1=88.0, teacher_train_top1=97.0, teacher_ece=3.0,
                         teacher_nll=0.40)}
    students = {('standard', 0): (80.0, 82.0), ('standard', 1): (84.0, 86.0),
                ('soteacher', 0): (81.0, 81.0), ('soteacher', 1): (83.0, 83.0)}
    rows = [dict(regime='toy', teacher=name, teacher_type=name, lkl=None, tau=None,
                 teacher_seed=t, seed=s, **teacher[t], student_top1=acc, student_seconds=10.0)
            for (name, t), accs in students.items() for s, acc in enumerate(accs)]
    rows += [dict(regime='toy', teacher='-', teacher_type='alone', seed=s, student_top1=a,
                  student_seconds=5.0) for s, a in enumerate((79.0, 81.0))]
    rows.sort(key=lambda r: (r['teacher'] == '-', ['standard', 'soteacher', '-'].index(r['teacher'])))
    seconds = {'standard': 100.0, 'standard_seed1': 110.0, 'soteacher': 120.0,
               'soteacher_seed1': 130.0}
    scale = study.dataclasses.replace(study.SCALES['smoke'], seeds=(0, 1), teacher_seeds=(0, 1))
    out = str(tmp_path)
    study.report(regime, rows, [('teacher standard', 2, 210.0)], scale, out, 'cmd', seconds)
    md = open(f'{out}/study.md').read()
    # standard: students 80, 82, 84, 86 -> mean 83, sample std sqrt(20/3) = 2.58;
    # its teacher 90 and 88 -> 89.00 ± 1.41; gain 83 - 80 = +3.00
    assert ('| standard | - | - | 89.00 ± 1.41 | 98.00 ± 1.41 | 2.00 ± 1.41 | 0.350 ± 0.071 '
            '| 83.00 ± 2.58 | +3.00 |') in md
    assert '| soteacher | - | - | 89.00 ± 1.41 | 98.00 ± 1.41 | 2.00 ± 1.41 | 0.350 ± 0.071 ' \
           '| 82.00 ± 1.15 | +2.00 |' in md
    assert '| (student alone) | | | | | | | 80.00 ± 1.41 | |' in md
    # per teacher seed: students 80, 82 -> 81.00 ± 1.41 and 84, 86 -> 85.00 ± 1.41
    assert '| standard | 0 | 90.00 | 99.00 | 1.00 | 0.300 | 81.00 ± 1.41 |' in md
    assert '| standard | 1 | 88.00 | 97.00 | 3.00 | 0.400 | 85.00 ± 1.41 |' in md
    # spread: std of (81, 85) = 2.83, of (81, 83) = 1.41
    assert '| standard | 2.83 |' in md and '| soteacher | 1.41 |' in md
    full = list(csv.DictReader(open(f'{out}/full_runs.csv')))
    assert [(r['candidate'], float(r['accuracy']), float(r['seconds'])) for r in full] == [
        ('teacher_standard', 81.0, 120.0), ('teacher_standard_seed1', 85.0, 130.0),
        ('teacher_soteacher', 81.0, 140.0), ('teacher_soteacher_seed1', 83.0, 150.0)]


def png_width(path) -> int:
    return int.from_bytes(open(path, 'rb').read(24)[16:20], 'big')  # the IHDR width


def test_plot_zooms_on_the_teachers_near_the_best_when_one_is_broken(tmp_path):
    """A teacher more than 10 points of top-1 below the best gets the plot a second
    panel (twice the width); without it there is one."""
    study = load_study()
    regime = study.Regime('toy', 'a toy regime', 'micro-resnet', {})

    def rows(broken_top1):
        out = [dict(teacher=name, teacher_type=kind, teacher_seed=0, seed=s,
                    teacher_top1=top1, student_top1=70.0 + s)
               for name, kind, top1 in (('standard', 'standard', 85.0),
                                        ('soteacher', 'soteacher', broken_top1))
               for s in (0, 1)]
        return out + [dict(teacher='-', teacher_type='alone', seed=0, student_top1=69.0)]

    study.plot(regime, rows(80.0), str(tmp_path / 'near.png'))
    study.plot(regime, rows(35.0), str(tmp_path / 'broken.png'))
    assert png_width(tmp_path / 'broken.png') == 2 * png_width(tmp_path / 'near.png')


def test_lipschitz_regime_adds_a_step_scaled_soteacher():
    study = load_study()
    regime = study.REGIMES['lipschitz']
    assert list(regime.teachers()) == ['standard', 'soteacher', 'soteacher-steps']
    assert [regime.teacher_type(n) for n in regime.teachers()] == \
        ['standard', 'soteacher', 'soteacher']
    runs = study.regime_plan(regime, study.SCALES['full'], 'R')
    long_aug = {(r.work_dir, tuple(r.options)) for r in
                study.regime_plan(study.REGIMES['long-aug'], study.SCALES['full'], 'R')}
    # every run but the new teacher's and its students' is a long-aug run
    new = [r.work_dir for r in runs if (r.work_dir, tuple(r.options)) not in long_aug]
    assert new == ['R/teacher_soteacher-steps', 'R/tiny-resnet/kd_soteacher-steps_seed0',
                   'R/tiny-resnet/kd_soteacher-steps_seed1', 'R/tiny-resnet/kd_soteacher-steps_seed2']
    cfg = read_config(regime.teachers()['soteacher-steps'].config)
    lipschitz = cfg.model.regularizers.lipschitz
    assert (lipschitz.weight, lipschitz.steps, lipschitz.reference_steps) == (1e-5, 'auto', 187680)
    assert cfg.model.regularizers.consistency.weight == 1.0

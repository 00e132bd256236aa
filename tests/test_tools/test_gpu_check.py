"""tools/gpu_check.sh: its logic on the CPU (the refusal without CUDA, the recipes'
synthetic batches at their real shape and batch, steps and the report), and the
checks themselves where CUDA is present."""
import json
import os.path as osp
import subprocess

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, load_tool, subprocess_env

pytestmark = pytest.mark.integration

gpu_check = load_tool('tools/gpu_check.py', 'gpu_check')
RECIPES = {r.name: r for r in gpu_check.RECIPES}


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.mark.e2e
@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is present')
def test_without_cuda_it_stops_with_one_line(tmp_path):
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'gpu_check.sh'), '--out',
                           str(tmp_path / 'out')], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        'gpu_check: error: no CUDA device (torch.cuda.is_available() is False); run it on a '
        'machine with an NVIDIA GPU and a CUDA build of torch and mmcv']
    assert not (tmp_path / 'out').exists()


def test_every_gpu_recipe_family_is_checked():
    assert sorted(RECIPES) == ['cifar100', 'cityscapes', 'coco', 'imagenet', 'mri_acdc']
    for recipe in RECIPES.values():
        assert osp.isfile(osp.join(ROOT, 'configs', recipe.config)), recipe.config


@pytest.mark.parametrize('name, batch, shape', [
    ('cifar100', 64, (3, 32, 32)), ('imagenet', 32, (3, 224, 224)),
    ('cityscapes', 2, (3, 512, 1024)), ('mri_acdc', 4, (3, 150, 150))])
def test_recipe_batches_have_the_recipes_batch_and_input_shape(name, batch, shape):
    recipe = RECIPES[name]
    cfg = Config.fromfile(osp.join(ROOT, 'configs', recipe.config))
    data = gpu_check.recipe_batch(cfg, recipe)
    assert len(data['inputs']) == len(data['data_samples']) == batch
    assert {tuple(x.shape) for x in data['inputs']} == {shape}
    if name == 'cityscapes':
        assert tuple(data['data_samples'][0].gt_sem_seg.data.shape) == (1, 512, 1024)
    if name == 'mri_acdc':
        assert tuple(data['data_samples'][0].gt_img.shape) == (1, 150, 150)


def test_coco_batch_is_resized_as_the_recipe_says():
    recipe = RECIPES['coco']
    cfg = Config.fromfile(osp.join(ROOT, 'configs', recipe.config))
    data = gpu_check.recipe_batch(cfg, recipe)
    assert len(data['inputs']) == cfg.train_dataloader.batch_size == 2
    # Resize(scale=(1333, 800), keep_ratio=True) of a 480x640 image: 800x1067
    assert {tuple(x.shape) for x in data['inputs']} == {(3, 800, 1067)}
    boxes = data['data_samples'][0].gt_instances.bboxes
    assert len(boxes) == 2 and float(boxes.tensor.max()) <= 1067


@pytest.mark.parametrize('name', ['cifar100', 'mri_acdc'])
def test_recipe_step_trains_and_reports_images_per_second(name):
    row = gpu_check.recipe_step(RECIPES[name], iters=1, device='cpu', batch=2)
    assert row['batch'] == 2 and row['images_per_s'] > 0 and row['step_seconds'] > 0
    assert any(k.startswith('distill.') for k in row['losses'])


def test_fmnist_steps_take_options():
    row = gpu_check.fmnist_step(gpu_check.SFTN_FMNIST, amp=False, iters=1, device='cpu',
                                options=[('model.branch_channels_last', False),
                                         ('train_dataloader.batch_size', 4)])
    assert row['batch'] == 4 and 'teacher.loss' in row['losses']


def test_a_failed_check_is_reported_and_the_next_one_runs(capsys):
    def broken():
        raise ValueError('no such thing')

    rows = gpu_check.run_checks({'broken': broken, 'fine': lambda: dict(images_per_s=5.0)})
    assert [r['ok'] for r in rows] == [False, True]
    assert rows[0]['error'] == 'ValueError: no such thing'
    out = capsys.readouterr().out
    assert 'broken: FAILED' in out and 'fine: ok' in out and '5.0 images/s' in out
    md = gpu_check.markdown(dict(date='d', machine=gpu_check.machine(), iters=3, checks=rows))
    assert '| broken | FAILED: ValueError: no such thing |' in md and '| fine | ok |' in md


@pytest.mark.gpu
def test_gpu_checks_pass_on_cuda(tmp_path):
    with pytest.raises(SystemExit) as done:
        gpu_check.main(['--iters', '2', '--out', str(tmp_path), '--only', 'amp_distiller',
                        'amp_sftn', 'sftn_contiguous', 'recipe_cifar100'])
    report = json.load(open(tmp_path / 'gpu_check.json'))
    assert done.value.code == 0, report
    assert all(r['ok'] and r['images_per_s'] > 0 for r in report['checks'])

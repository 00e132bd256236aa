"""Every shipped config loads; every model config takes a training step on real images.

CIFAR-100 and ImageNet are not available offline, so their configs are
exercised on real Fashion-MNIST images, padded or resized to the configs'
input size and repeated to three channels.
"""
import glob
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.models.model_config import build_model
from sfkd.models.training_progress import set_progress
from sfkd.registry import DATASETS, MODELS

pytestmark = pytest.mark.zoo

CONFIGS = sorted(p for p in glob.glob(f'{ROOT}/configs/**/*.py', recursive=True)
                 if '/_base_/' not in p)
# detection and segmentation configs train on canvases or dense batches
# (tests/test_configs/test_canvas_configs.py, test_dense_zoo_configs.py)
DENSE = [p for p in CONFIGS if p.endswith(('_fashion-det.py', '_fashion-seg.py', '_coco.py',
                                           '_cityscapes.py'))]
DISTILL = [p for p in CONFIGS if not p.endswith('fashion-mnist.py')
           and Config.fromfile(p).model.type in ('Distiller', 'AdversarialDistiller')]
FRIENDLY = [p for p in CONFIGS if Config.fromfile(p).model.type in ('SFTN', 'SoTeacher')
            and p not in DENSE]
PLAIN = [p for p in CONFIGS if p.endswith('_cifar100.py') and '/baseline/' in p]
# MRI configs train on packed k-space of real T1 slices (tests/test_configs/test_mri_configs.py)
MRI = [p for p in CONFIGS if '/configs/mri/' in p]


def rel(path: str) -> str:
    return osp.relpath(path, f'{ROOT}/configs')


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def fmnist_batch(fmnist_root):
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root,
                                 split='train', download=False, indices=2,
                                 pipeline=[dict(type='mmpretrain.PackInputs')]))
    return [ds[i] for i in range(len(ds))]


def real_batch(items, size: int, channels: int = 3) -> dict:
    """Real grey 28x28 images as (channels, size, size) uint8 inputs, labels kept."""
    if channels == 1 and size == 28:
        return dict(inputs=[item['inputs'] for item in items],
                    data_samples=[item['data_samples'] for item in items])
    inputs = []
    for item in items:
        img = item['inputs'].float()[None]  # (1, 1, 28, 28)
        img = F.pad(img, [2] * 4) if size == 32 else F.interpolate(img, size=(size, size))
        inputs.append(img[0].repeat(3, 1, 1).round().clamp(0, 255).to(torch.uint8))
    return dict(inputs=inputs, data_samples=[item['data_samples'] for item in items])


def one_step(model, data, optim_cfg=None) -> dict:
    model.train()
    if optim_cfg and optim_cfg.get('constructor'):  # several optimisers (a discriminator's)
        from mmengine.optim import build_optim_wrapper
        wrapper = build_optim_wrapper(model, optim_cfg)
    else:
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
    log = model.train_step(data, wrapper)
    assert all(torch.isfinite(v) for v in log.values()), log
    return log


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_config_loads(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'sfkd'
    assert {'model', 'train_dataloader', 'optim_wrapper', 'train_cfg'} <= set(cfg.keys())


@pytest.mark.parametrize('path', PLAIN, ids=rel)
def test_plain_model_trains_a_step(path, fmnist_batch):
    model = build_model(Config.fromfile(path).model.to_dict())
    log = one_step(model, real_batch(fmnist_batch, 32))
    assert 'loss' in log


@pytest.mark.parametrize('path', [p for p in DISTILL if p not in DENSE + MRI], ids=rel)
def test_distiller_trains_a_step(path, fmnist_batch, tmp_path):
    full = Config.fromfile(path)
    cfg = full.model.to_dict()
    if cfg['teacher'] is not None:  # None: teacher-free KD
        cfg['teacher'].pop('pretrained', None)  # zoo weights need the network: a saved teacher
        teacher = build_model(cfg['teacher'])
        cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': teacher.state_dict()}, cfg['teacher_ckpt'])
    for loss in cfg['distill_losses'].values():
        if loss['type'] == 'CRDLoss':  # a small memory bank: the subset has 2 images
            loss.update(num_data=8, nce_k=4)
    model = MODELS.build(cfg)
    # the run's progress, as the runner's TrainingProgressHook gives it (HCLLoss's warm-up)
    set_progress(model, 0, max_epochs=full.train_cfg.get('max_epochs', 1), max_iters=100)
    log = one_step(model, real_batch(fmnist_batch, cfg['input_shape'][-1]),
                   full.optim_wrapper.to_dict())
    assert 'student.loss' in log and any(k.startswith('distill.') for k in log)


@pytest.mark.parametrize('path', [p for p in FRIENDLY if p not in MRI], ids=rel)
def test_friendly_teacher_trains_a_step(path, fmnist_batch, tmp_path):
    full = Config.fromfile(path)
    cfg = full.model.to_dict()
    if cfg.get('teacher_ckpt'):  # fine-tune configs start from a trained teacher
        cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': build_model(cfg['teacher']).state_dict()}, cfg['teacher_ckpt'])
    model = MODELS.build(cfg)
    # the run's progress, as the runner's TrainingProgressHook gives it (the branch warm-up
    # checks max_epochs, LipschitzRegularizer(steps='auto') reads max_iters)
    model.set_progress(0, max_epochs=full.train_cfg.get('max_epochs', 1), max_iters=100)
    channels, size = cfg['input_shape'][0], cfg['input_shape'][-1]
    log = one_step(model, real_batch(fmnist_batch, size, channels))
    assert 'teacher.loss' in log
    assert any(k.startswith('distill.') or k.startswith('teacher.loss_') for k in log)


def _teacher_model(cfg: Config) -> dict:
    """The plain teacher model of a training config (an SFTN's or SoTeacher's teacher)."""
    from sfkd.models.model_config import model_config
    model = cfg.model.to_dict()
    return model_config(model['teacher'] if model['type'] in ('SFTN', 'SoTeacher') else model)


# every distillation whose teacher is not a zoo model with its published weights
TRAINED_TEACHER = [p for p in DISTILL if Config.fromfile(p).model.get('teacher_ckpt')]


@pytest.mark.parametrize('path', TRAINED_TEACHER, ids=rel)
def test_every_teacher_checkpoint_is_made_by_a_shipped_config(path):
    """teacher_ckpt 'work_dirs/<name>/<file>' names a shipped config <name>.py that trains
    the same teacher architecture and writes that file."""
    from sfkd.models.model_config import model_config
    cfg = Config.fromfile(path)
    ckpt = cfg.model.teacher_ckpt
    parts = ckpt.split('/')
    assert len(parts) == 3 and parts[0] == 'work_dirs', ckpt
    makers = glob.glob(f'{ROOT}/configs/*/{parts[1]}.py')
    assert len(makers) == 1, f'{rel(path)}: no shipped config writes {ckpt}'
    maker = Config.fromfile(makers[0])
    exported = [h.get('filename') for h in maker.get('custom_hooks', [])
                if h.type == 'ExportSubmodelHook']
    if maker.model.type in ('SFTN', 'SoTeacher') or 'teacher_final.pth' in exported:
        assert parts[2] == 'teacher_final.pth', ckpt
    else:
        assert parts[2] == f'epoch_{maker.train_cfg.max_epochs}.pth', ckpt
    assert _teacher_model(maker) == model_config(cfg.model.teacher.to_dict()), \
        f'{rel(makers[0])} trains another teacher than {rel(path)} loads'
    # the missing-teacher error names the command that runs that config
    assert f'sfkd::{osp.relpath(makers[0], f"{ROOT}/configs")}' in cfg.model.teacher_ckpt_hint


def test_distillations_without_a_trained_teacher_use_zoo_weights():
    for path in sorted(set(DISTILL) - set(TRAINED_TEACHER)):
        teacher = Config.fromfile(path).model.teacher
        if teacher is None:  # teacher-free KD
            continue
        assert teacher.cfg_path.startswith(('mmpretrain::', 'mmdet::', 'mmseg::')) \
            and teacher.pretrained is True, path

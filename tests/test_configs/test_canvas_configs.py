"""Every detection and segmentation config on the Fashion-MNIST canvases builds and
trains a step on real canvases: baselines, SFTN and SoTeacher teachers, dense KD."""
import glob
import os.path as osp

import pytest
import torch
from canvas_data import canvas_batch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration

CANVAS = sorted(glob.glob(f'{ROOT}/configs/*/*_fashion-det.py')
                + glob.glob(f'{ROOT}/configs/*/*_fashion-seg.py'))


def rel(path: str) -> str:
    return osp.relpath(path, f'{ROOT}/configs')


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def test_every_method_is_shipped_for_both_tasks():
    names = {rel(p) for p in CANVAS}
    det = 'retinanet-r34w32_retinanet-r18w16_fashion-det.py'
    seg = 'fcn-r34w32_fcn-r18w16_fashion-seg.py'
    assert {f'{m}/{m}_{det}' for m in ('cwd', 'pkd', 'mgd', 'fitnets', 'sftn')} <= names
    assert {f'cwd/cwd_{seg}', f'kd/kd_{seg}', f'sftn/sftn_{seg}'} <= names
    assert {'soteacher/soteacher_retinanet-r34w32_fashion-det.py',
            'soteacher/soteacher_fcn-r34w32_fashion-seg.py'} <= names
    assert {'baseline/retinanet-r34w32_fashion-det.py', 'baseline/retinanet-r18w16_fashion-det.py',
            'baseline/fcn-r34w32_fashion-seg.py', 'baseline/fcn-r18w16_fashion-seg.py'} <= names


@pytest.mark.parametrize('path', CANVAS, ids=rel)
def test_canvas_config_trains_a_step(path, canvas_root, tmp_path):
    cfg = Config.fromfile(path)
    model_cfg = cfg.model.to_dict()
    if model_cfg.get('teacher_ckpt'):  # a saved teacher of the right architecture
        teacher = build_model(model_cfg['teacher'])
        model_cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': teacher.state_dict()}, model_cfg['teacher_ckpt'])
    torch.manual_seed(0)
    model = MODELS.build(model_cfg) if model_cfg['type'] in ('Distiller', 'SFTN', 'SoTeacher') \
        else build_model(model_cfg)
    model.train()
    data = canvas_batch(cfg, canvas_root)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    trained = getattr(model, 'student', None) or getattr(model, 'teacher', None) or model
    before = {k: v.clone() for k, v in trained.state_dict().items()}
    log = model.train_step(data, wrapper)
    assert all(torch.isfinite(v) for v in log.values()), log
    assert any(not torch.equal(before[k], v) for k, v in trained.state_dict().items()
               if v.dtype.is_floating_point)
    kind = model_cfg['type']
    if kind == 'Distiller':
        losses = {k for k in log if k.startswith('distill.')}
        assert losses and all(log[k] > 0 for k in losses), log
        assert any(k.startswith('student.') and 'loss' in k for k in log)
    elif kind in ('SFTN', 'SoTeacher'):
        assert any(k.startswith('teacher.') and 'loss' in k for k in log)
        extra = [k for k in log if k.startswith('distill.') or k.startswith('teacher.loss_')]
        assert extra and all(log[k] > 0 for k in extra), log

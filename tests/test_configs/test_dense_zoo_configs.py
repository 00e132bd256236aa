"""The COCO and Cityscapes configs (GPU): published recipes that state their total batch,
scale their learning rate with it, and build and take a training step here on real
Fashion-MNIST canvases, with mmdet's and mmseg's zoo models."""
import re

import pytest
import torch
from canvas_data import canvas_batch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

pytestmark = pytest.mark.zoo

C = f'{ROOT}/configs'
# config -> (canvas config whose data it trains on here, published reference in its header)
RECIPES = {
    'cwd/cwd_gfl-r101_gfl-r50_coco.py': ('det', '40.2 -> 41.9 box AP'),
    'bckd/bckd_gfl-r101_gfl-r50_coco.py': ('det', '40.1 -> 43.2 box AP'),
    'crosskd/crosskd_gfl-r101_gfl-r50_coco.py': ('det', '40.2 -> 43.7 box AP'),
    'pkd/pkd_retinanet-x101_retinanet-r50_coco.py': ('det', '37.4 -> 40.8 box AP'),
    'mgd/mgd_retinanet-x101_retinanet-r50_coco.py': ('det', '37.4 -> 41.0 box AP'),
    'cwd/cwd_pspnet-r101_pspnet-r18_cityscapes.py': ('seg', '74.87 -> 75.54 mIoU'),
}
CANVAS = {'det': f'{C}/baseline/retinanet-r18w16_fashion-det.py',
          'seg': f'{C}/baseline/fcn-r18w16_fashion-seg.py'}


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_recipe_states_its_total_batch_and_scales_lr_with_it(name):
    text = open(f'{C}/{name}').read()
    cfg = Config.fromfile(f'{C}/{name}')
    total, gpus, per_gpu = map(int, re.search(
        r'# Total batch (\d+) = (\d+) GPUs x (\d+) images', text).groups())
    assert total == gpus * per_gpu and per_gpu == cfg.train_dataloader.batch_size
    assert cfg.auto_scale_lr.base_batch_size == total
    assert RECIPES[name][1] in text.replace('\n# ', ' ') and 'not run here' in text
    assert cfg.model.teacher.pretrained is True
    assert cfg.model.teacher.cfg_path.split('::')[0] in ('mmdet', 'mmseg')
    assert cfg.train_dataloader.dataset._scope_ in ('mmdet', 'mmseg')


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_recipe_builds_and_trains_a_step(name, canvas_root, tmp_path):
    task = RECIPES[name][0]
    cfg = Config.fromfile(f'{C}/{name}').model.to_dict()
    offline = dict(init_cfg=None)  # no ImageNet backbone downloads here
    if task == 'seg':  # mmseg's 512x1024 crops are for GPUs: pad to the canvas instead
        offline['data_preprocessor'] = dict(size=(64, 64))
    cfg['student'].update(offline)
    cfg['teacher'] = {k: v for k, v in cfg['teacher'].items() if k != 'pretrained'}
    cfg['teacher'].update(offline)
    torch.manual_seed(0)
    cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': build_model(cfg['teacher']).state_dict()}, cfg['teacher_ckpt'])
    cfg['input_shape'] = (3, 64, 64)
    model = MODELS.build(cfg)
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.001))
    log = model.train_step(canvas_batch(Config.fromfile(CANVAS[task]), canvas_root), wrapper)
    assert all(torch.isfinite(v) for v in log.values()), log
    distill = [k for k in log if k.startswith('distill.')]
    assert distill and all(log[k] > 0 for k in distill), log

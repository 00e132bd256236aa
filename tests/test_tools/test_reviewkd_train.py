"""The ReviewKD Fashion-MNIST config trains on a real Fashion-MNIST subset: the
student's stages fused by ABF and compared with the teacher's by HCL, the fusion
trained with the student."""
import glob
import json
import math

import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import ROOT, tiny_options

from sfkd.models.model_config import build_model
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

REVIEWKD = f'{ROOT}/configs/reviewkd/reviewkd_small-resnet_tiny-resnet_fashion-mnist.py'


def test_reviewkd_trains_two_steps_with_the_fusion(tmp_path, fmnist_root):
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    ckpt = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    work = tmp_path / 'work'
    runner = train_tool.run([REVIEWKD, '--work-dir', str(work), '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32),
                             f'model.teacher_ckpt={ckpt}'])
    assert runner.iter == 2
    review = runner.model.connectors['review']
    trained = {id(p) for group in runner.optim_wrapper.optimizer.param_groups
               for p in group['params']}
    assert all(id(p) in trained for p in review.parameters())  # the fusion learns
    (log, ) = glob.glob(f'{work}/*/vis_data/scalars.json')
    steps = [json.loads(line) for line in open(log)]
    hcl = [s['distill.loss_hcl'] for s in steps if 'distill.loss_hcl' in s]
    assert len(hcl) == 2 and all(math.isfinite(v) and v > 0 for v in hcl)
    assert any('accuracy/top1' in s for s in steps)

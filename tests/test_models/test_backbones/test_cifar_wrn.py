"""Tests of CIFARWideResNet (RepDistiller's WRN-d-k)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARWideResNet
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# (depth, widen_factor) -> parameters of RepDistiller's model with 100 classes
REFERENCE = {(16, 1): 180_916, (16, 2): 703_284, (40, 1): 569_780, (40, 2): 2_255_156}
# Sizes published for the CRD paper's teachers and students (millions).
PUBLISHED = {(16, 2): 0.70, (40, 2): 2.26}
SIZES = (32, 16, 8)


def _num_params(backbone: CIFARWideResNet, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


@pytest.mark.parametrize('depth,widen', list(REFERENCE))
def test_output_shapes_all_stages(depth, widen):
    backbone = CIFARWideResNet(depth, widen, out_indices=(0, 1, 2))
    channels = (16 * widen, 32 * widen, 64 * widen)
    assert backbone.stage_channels == channels
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, c, s, s) for c, s in zip(channels, SIZES)]


@pytest.mark.parametrize('out_indices', [(0, ), (1, ), (2, ), (1, 2), (-2, )])
def test_out_indices(out_indices):
    outs = CIFARWideResNet(16, 2, out_indices=out_indices)(torch.randn(2, 3, 32, 32))
    expected = [(2, (32, 64, 128)[i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


def test_last_stage_ends_with_bn_relu():
    backbone = CIFARWideResNet(16, 1, out_indices=(1, 2))
    assert isinstance(backbone.layer3.bn, torch.nn.BatchNorm2d)
    mid, last = backbone(torch.randn(2, 3, 32, 32))
    assert last.min() >= 0  # activated: what the classifier pools
    assert mid.min() < 0  # pre-activation residual sum


def test_drop_rate_is_used_in_training_only():
    backbone = CIFARWideResNet(16, 1, drop_rate=0.5)
    x = torch.randn(2, 3, 32, 32)
    backbone.eval()
    assert torch.equal(backbone(x)[0], backbone(x)[0])
    backbone.train()
    assert not torch.equal(backbone(x)[0], backbone(x)[0])


@pytest.mark.parametrize('depth,widen', list(REFERENCE))
def test_param_count_matches_repdistiller(depth, widen):
    assert _num_params(CIFARWideResNet(depth, widen)) == REFERENCE[(depth, widen)]


@pytest.mark.parametrize('depth,widen', list(PUBLISHED))
def test_param_count_matches_published(depth, widen):
    count = _num_params(CIFARWideResNet(depth, widen)) / 1e6
    assert count == pytest.approx(PUBLISHED[(depth, widen)], rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARWideResNet', depth=40, widen_factor=2))
    assert isinstance(backbone, CIFARWideResNet)
    assert backbone.stage_channels == (32, 64, 128)


@pytest.mark.parametrize('depth', [15, 20, 4])
def test_bad_depth(depth):
    with pytest.raises(ValueError, match='6n \\+ 4'):
        CIFARWideResNet(depth, 2)


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARWideResNet(16, 1, out_indices=(-4, ))


def test_gradients_reach_first_conv():
    backbone = CIFARWideResNet(16, 1, out_indices=(0, 1, 2))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.stem.weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize('name', ['wrn_16_2', 'wrn_40_2'])
def test_model_config(name):
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

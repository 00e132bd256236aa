"""Tests of CIFARResNet (RepDistiller's CIFAR ResNets)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARResNet
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# arch -> (stage channels, parameters of RepDistiller's model with 100 classes)
ARCHS = {
    'resnet8': ((16, 32, 64), 83_892),
    'resnet14': ((16, 32, 64), 181_108),
    'resnet20': ((16, 32, 64), 278_324),
    'resnet32': ((16, 32, 64), 472_756),
    'resnet44': ((16, 32, 64), 667_188),
    'resnet56': ((16, 32, 64), 861_620),
    'resnet110': ((16, 32, 64), 1_736_564),
    'resnet8x4': ((64, 128, 256), 1_233_540),
    'resnet32x4': ((64, 128, 256), 7_433_860),
}
# Sizes published for the CRD paper's teachers and students (millions).
PUBLISHED = {'resnet8x4': 1.23, 'resnet32x4': 7.43, 'resnet20': 0.28, 'resnet56': 0.86}
SIZES = (32, 16, 8)


def _num_params(backbone: CIFARResNet, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


@pytest.mark.parametrize('arch', list(ARCHS))
def test_output_shapes_all_stages(arch):
    channels, _ = ARCHS[arch]
    backbone = CIFARResNet(arch, out_indices=(0, 1, 2))
    assert backbone.stage_channels == channels
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, c, s, s) for c, s in zip(channels, SIZES)]


@pytest.mark.parametrize('out_indices', [(0, ), (1, ), (2, ), (0, 2), (-1, )])
def test_out_indices(out_indices):
    backbone = CIFARResNet('resnet8x4', out_indices=out_indices)
    outs = backbone(torch.randn(2, 3, 32, 32))
    expected = [(2, (64, 128, 256)[i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


def test_default_returns_last_stage():
    (out, ) = CIFARResNet('resnet20')(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 64, 8, 8)


def test_stage_attributes_are_tap_points():
    backbone = CIFARResNet('resnet8', out_indices=(0, 1, 2))
    taps = {}
    for name in ('layer1', 'layer2', 'layer3'):
        getattr(backbone, name).register_forward_hook(
            lambda m, i, o, name=name: taps.__setitem__(name, o))
    outs = backbone(torch.randn(2, 3, 32, 32))
    for name, out in zip(('layer1', 'layer2', 'layer3'), outs):
        assert taps[name] is out


@pytest.mark.parametrize('arch', list(ARCHS))
def test_param_count_matches_repdistiller(arch):
    assert _num_params(CIFARResNet(arch)) == ARCHS[arch][1]


@pytest.mark.parametrize('arch', list(PUBLISHED))
def test_param_count_matches_published(arch):
    count = _num_params(CIFARResNet(arch)) / 1e6
    if arch == 'resnet20':
        # 0.278M is published rounded to 0.28M (0.6% away): only two digits
        # are significant, so compare within half a unit of the last digit.
        assert count == pytest.approx(PUBLISHED[arch], abs=0.005)
    else:
        assert count == pytest.approx(PUBLISHED[arch], rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARResNet', arch='resnet8x4'))
    assert isinstance(backbone, CIFARResNet)
    assert backbone.stage_channels == (64, 128, 256)


def test_bad_arch_lists_valid_names():
    with pytest.raises(ValueError, match='resnet32x4'):
        CIFARResNet('resnet18')


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARResNet('resnet8', out_indices=(3, ))


def test_gradients_reach_first_conv():
    backbone = CIFARResNet('resnet8', out_indices=(0, 1, 2))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.stem[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize('name', ['resnet8x4', 'resnet32x4', 'resnet20', 'resnet56'])
def test_model_config(name):
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

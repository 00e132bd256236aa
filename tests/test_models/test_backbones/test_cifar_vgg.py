"""Tests of CIFARVGG (RepDistiller's VGGs with batch norm)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARVGG
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# arch -> parameters of RepDistiller's ``vgg*_bn`` model with 100 classes
REFERENCE = {
    'vgg8': 3_965_028,
    'vgg11': 9_277_284,
    'vgg13': 9_462_180,
    'vgg16': 14_774_436,
    'vgg19': 20_086_692,
}
# Sizes published for the CRD paper's teachers and students (millions).
PUBLISHED = {'vgg8': 3.96, 'vgg13': 9.46}
CHANNELS = (64, 128, 256, 512, 512)
SIZES = (32, 16, 8, 4, 4)


def _num_params(backbone: CIFARVGG, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


@pytest.mark.parametrize('arch', list(REFERENCE))
def test_output_shapes_all_stages(arch):
    backbone = CIFARVGG(arch, out_indices=(0, 1, 2, 3, 4))
    assert backbone.stage_channels == CHANNELS
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, c, s, s) for c, s in zip(CHANNELS, SIZES)]


@pytest.mark.parametrize('out_indices', [(0, ), (3, ), (4, ), (1, 3), (-1, )])
def test_out_indices(out_indices):
    outs = CIFARVGG('vgg8', out_indices=out_indices)(torch.randn(2, 3, 32, 32))
    expected = [(2, CHANNELS[i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


def test_default_returns_last_stage_after_relu():
    (out, ) = CIFARVGG('vgg8')(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 512, 4, 4)
    assert out.min() >= 0


@pytest.mark.parametrize('arch', list(REFERENCE))
def test_param_count_matches_repdistiller(arch):
    assert _num_params(CIFARVGG(arch)) == REFERENCE[arch]


@pytest.mark.parametrize('arch', list(PUBLISHED))
def test_param_count_matches_published(arch):
    count = _num_params(CIFARVGG(arch)) / 1e6
    assert count == pytest.approx(PUBLISHED[arch], rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARVGG', arch='vgg13'))
    assert isinstance(backbone, CIFARVGG)
    assert backbone.stage_channels == CHANNELS


def test_bad_arch_lists_valid_names():
    with pytest.raises(ValueError, match='vgg13'):
        CIFARVGG('vgg12')


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARVGG('vgg8', out_indices=(5, ))


def test_gradients_reach_first_conv():
    backbone = CIFARVGG('vgg8', out_indices=(0, 2, 4))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.layer1[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize('name', ['vgg8', 'vgg13'])
def test_model_config(name):
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

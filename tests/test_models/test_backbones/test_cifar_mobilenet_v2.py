"""Tests of CIFARMobileNetV2 (RepDistiller's MobileNetV2, ``mobile_half``)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARMobileNetV2
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# Parameters of RepDistiller's mobile_half with 100 classes, and the published size.
REFERENCE = 812_836
PUBLISHED = 0.81
CHANNELS = (8, 12, 16, 32, 48, 80, 160, 1280)
SIZES = (16, 16, 8, 4, 4, 2, 2, 2)


def _num_params(backbone: CIFARMobileNetV2, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


def test_output_shapes_all_stages():
    backbone = CIFARMobileNetV2(out_indices=tuple(range(8)))
    assert backbone.stage_channels == CHANNELS
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, c, s, s) for c, s in zip(CHANNELS, SIZES)]


@pytest.mark.parametrize('out_indices', [(7, ), (1, 2, 4, 6), (3, ), (-1, )])
def test_out_indices(out_indices):
    outs = CIFARMobileNetV2(out_indices=out_indices)(torch.randn(2, 3, 32, 32))
    expected = [(2, CHANNELS[i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


@pytest.mark.parametrize('width_mult,last', [(1.0, 1280), (2.0, 2560)])
def test_width_mult(width_mult, last):
    backbone = CIFARMobileNetV2(width_mult, out_indices=(6, 7))
    assert backbone.stage_channels[6:] == (int(320 * width_mult), last)
    mid, out = backbone(torch.randn(2, 3, 32, 32))
    assert mid.shape == (2, int(320 * width_mult), 2, 2) and out.shape == (2, last, 2, 2)


def test_param_count_matches_repdistiller():
    assert _num_params(CIFARMobileNetV2()) == REFERENCE


def test_param_count_matches_published():
    assert _num_params(CIFARMobileNetV2()) / 1e6 == pytest.approx(PUBLISHED, rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARMobileNetV2', width_mult=0.5))
    assert isinstance(backbone, CIFARMobileNetV2)
    assert backbone.stage_channels == CHANNELS


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARMobileNetV2(out_indices=(8, ))


def test_gradients_reach_first_conv():
    backbone = CIFARMobileNetV2(out_indices=(1, 2, 4, 7))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.stem[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_model_config():
    name = 'mobilenet_v2'
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

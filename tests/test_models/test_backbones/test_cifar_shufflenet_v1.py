"""Tests of CIFARShuffleNetV1 (RepDistiller's ShuffleV1)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARShuffleNetV1
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# Parameters of RepDistiller's ShuffleV1 with 100 classes, and the published size.
REFERENCE = 949_258
PUBLISHED = 0.95
CHANNELS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960)}
SIZES = (16, 8, 4)


def _num_params(backbone: CIFARShuffleNetV1, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


@pytest.mark.parametrize('groups', [1, 2, 3])
def test_output_shapes_all_stages(groups):
    backbone = CIFARShuffleNetV1(groups, out_indices=(0, 1, 2))
    assert backbone.stage_channels == CHANNELS[groups]
    outs = backbone(torch.randn(2, 3, 32, 32))
    expected = [(2, c, s, s) for c, s in zip(CHANNELS[groups], SIZES)]
    assert [tuple(o.shape) for o in outs] == expected


@pytest.mark.parametrize('out_indices', [(0, ), (1, ), (2, ), (0, 2), (-1, )])
def test_out_indices(out_indices):
    outs = CIFARShuffleNetV1(out_indices=out_indices)(torch.randn(2, 3, 32, 32))
    expected = [(2, CHANNELS[3][i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


def test_num_blocks():
    backbone = CIFARShuffleNetV1(num_blocks=(1, 2, 1))
    assert [len(backbone.layer1), len(backbone.layer2), len(backbone.layer3)] == [1, 2, 1]
    assert backbone(torch.randn(2, 3, 32, 32))[0].shape == (2, 960, 4, 4)


def test_param_count_matches_repdistiller():
    assert _num_params(CIFARShuffleNetV1()) == REFERENCE


def test_param_count_matches_published():
    assert _num_params(CIFARShuffleNetV1()) / 1e6 == pytest.approx(PUBLISHED, rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARShuffleNetV1', groups=3))
    assert isinstance(backbone, CIFARShuffleNetV1)
    assert backbone.stage_channels == (240, 480, 960)


@pytest.mark.parametrize('groups', [4, 8])
def test_bad_groups_lists_valid_values(groups):
    with pytest.raises(ValueError, match=r'\[1, 2, 3\]'):
        CIFARShuffleNetV1(groups)


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARShuffleNetV1(out_indices=(3, ))


def test_gradients_reach_first_conv():
    backbone = CIFARShuffleNetV1(out_indices=(0, 1, 2))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.stem[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_model_config():
    name = 'shufflenet_v1'
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

"""Tests of CIFARShuffleNetV2 (RepDistiller's ShuffleV2)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from sfkd.models.backbones import CIFARShuffleNetV2
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'models',
                      'cifar100')

# Parameters of RepDistiller's ShuffleV2 with 100 classes, and the published size.
REFERENCE = 1_355_528
PUBLISHED = 1.36
CHANNELS = {
    0.2: (40, 80, 160, 512),
    0.3: (40, 80, 160, 512),
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (224, 488, 976, 2048),
}
SIZES = (16, 8, 4, 4)


def _num_params(backbone: CIFARShuffleNetV2, num_classes: int = 100) -> int:
    """Backbone parameters plus those of a linear classifier."""
    feat = backbone.stage_channels[-1]
    return sum(p.numel() for p in backbone.parameters()) + feat * num_classes + num_classes


@pytest.mark.parametrize('net_size', list(CHANNELS))
def test_output_shapes_all_stages(net_size):
    backbone = CIFARShuffleNetV2(net_size, out_indices=(0, 1, 2, 3))
    assert backbone.stage_channels == CHANNELS[net_size]
    outs = backbone(torch.randn(2, 3, 32, 32))
    expected = [(2, c, s, s) for c, s in zip(CHANNELS[net_size], SIZES)]
    assert [tuple(o.shape) for o in outs] == expected


@pytest.mark.parametrize('out_indices', [(0, ), (2, ), (3, ), (1, 3), (-2, )])
def test_out_indices(out_indices):
    outs = CIFARShuffleNetV2(out_indices=out_indices)(torch.randn(2, 3, 32, 32))
    expected = [(2, CHANNELS[1.0][i], SIZES[i], SIZES[i]) for i in out_indices]
    assert [tuple(o.shape) for o in outs] == expected


def test_param_count_matches_repdistiller():
    assert _num_params(CIFARShuffleNetV2()) == REFERENCE


def test_param_count_matches_published():
    assert _num_params(CIFARShuffleNetV2()) / 1e6 == pytest.approx(PUBLISHED, rel=0.005)


def test_registry_builds():
    backbone = MODELS.build(dict(type='CIFARShuffleNetV2', net_size=1))
    assert isinstance(backbone, CIFARShuffleNetV2)
    assert backbone.stage_channels == (116, 232, 464, 1024)


def test_bad_net_size_lists_valid_values():
    with pytest.raises(ValueError, match='1.5'):
        CIFARShuffleNetV2(0.75)


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out of range'):
        CIFARShuffleNetV2(out_indices=(4, ))


def test_gradients_reach_first_conv():
    backbone = CIFARShuffleNetV2(out_indices=(0, 1, 2, 3))
    sum(o.sum() for o in backbone(torch.randn(2, 3, 32, 32))).backward()
    grad = backbone.stem[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_model_config():
    name = 'shufflenet_v2'
    model = Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py')).model
    backbone = MODELS.build(model.backbone)
    assert model.head.in_channels == backbone.stage_channels[-1]
    assert model.head.num_classes == 100

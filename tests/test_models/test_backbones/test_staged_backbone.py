"""Tests of StagedBackbone, the base class of the backbones."""
import pytest
import torch
from torch import nn

from sfkd.models.backbones import (CIFARVGG, CIFARMobileNetV2, CIFARResNet, CIFARShuffleNetV1,
                                   CIFARShuffleNetV2, CIFARWideResNet, SmallResNet,
                                   StagedBackbone)
from sfkd.models.backbones.staged_backbone import check_out_indices

pytestmark = pytest.mark.unit


class _Toy(StagedBackbone):
    """Stages that add 1, 2, ... to their input, with an optional x10 stem."""

    def __init__(self, num_stages=3, out_indices=(2, ), stem=True, register=None):
        super().__init__([1] * num_stages, out_indices)
        if stem:
            self.stem = _Scale(10.0)
        for i in range(num_stages if register is None else register):
            self.add_stage(_Add(i + 1.0))


class _Scale(nn.Module):

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


class _Add(nn.Module):

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x):
        return x + self.value


@pytest.mark.parametrize('out_indices, expected', [((0, 1, 2), (0, 1, 2)), ((-1, ), (2, )),
                                                   ((-3, 1), (0, 1)), ((), ())])
def test_check_out_indices(out_indices, expected):
    assert check_out_indices(out_indices, 3) == expected


def test_check_out_indices_names_bad_indices_and_stages():
    with pytest.raises(ValueError, match=r'out_indices \[3, -4\] out of range for 3 stages'):
        check_out_indices((0, 3, -4), 3)


def test_stage_names_and_attributes():
    toy = _Toy(out_indices=(-1, 0))
    assert toy.stage_names == ['layer1', 'layer2', 'layer3']
    assert [name for name, _ in toy.named_children()] == ['stem', 'layer1', 'layer2', 'layer3']
    assert toy.stage_channels == (1, 1, 1)
    assert toy.out_indices == (2, 0)


def test_forward_runs_stem_then_stages_in_stage_order():
    outs = _Toy(out_indices=(2, 0))(torch.zeros(1))
    assert [o.item() for o in outs] == [1.0, 6.0]


def test_forward_without_stem():
    (out, ) = _Toy(out_indices=(1, ), stem=False)(torch.zeros(1))
    assert out.item() == 3.0


def test_too_many_stages():
    toy = _Toy()
    with pytest.raises(RuntimeError, match='3 stages'):
        toy.add_stage(_Add(0.0))


def test_missing_stage():
    with pytest.raises(RuntimeError, match='registered 2 of its 3 stages'):
        _Toy(register=2)(torch.zeros(1))


@pytest.mark.parametrize('backbone', [
    CIFARResNet('resnet8'), CIFARWideResNet(16, 1), CIFARVGG('vgg8'), CIFARShuffleNetV1(),
    CIFARShuffleNetV2(), CIFARMobileNetV2(), SmallResNet()
], ids=lambda b: type(b).__name__)
def test_backbones_are_staged(backbone):
    assert isinstance(backbone, StagedBackbone)
    names = [f'layer{i + 1}' for i in range(len(backbone.stage_channels))]
    assert backbone.stage_names == names
    assert [n for n, _ in backbone.named_children() if n.startswith('layer')] == names


def test_small_resnet_negative_out_indices():
    backbone = SmallResNet(stage_channels=(8, 16), num_blocks=(1, 1), out_indices=(-2, -1))
    assert backbone.out_indices == (0, 1)
    outs = backbone(torch.randn(2, 1, 28, 28))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 28, 28), (2, 16, 14, 14)]


def test_small_resnet_bad_out_indices():
    with pytest.raises(ValueError, match=r'out_indices \[3, -4\] out of range for 3 stages'):
        SmallResNet(out_indices=(3, -4))

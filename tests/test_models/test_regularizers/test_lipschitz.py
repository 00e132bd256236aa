"""LipschitzRegularizer against bounds computed by hand on tiny layers."""
import math

import pytest
import torch
from torch import nn

from sfkd.models.regularizers import LipschitzRegularizer
from sfkd.registry import MODELS


def tiny_model():
    conv = nn.Conv2d(1, 2, 1, bias=False)
    bn = nn.BatchNorm2d(2)
    fc = nn.Linear(2, 2)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1.0]]], [[[-2.0]]]]))
        bn.weight.copy_(torch.tensor([0.5, -3.0]))
        bn.running_var.copy_(torch.tensor([0.25, 8.0]))
        fc.weight.copy_(torch.tensor([[1.0, -4.0], [2.0, 0.5]]))
    return nn.Sequential(conv, bn, nn.Flatten(), fc)


def test_l1_mode_matches_hand_computed_bounds():
    model = tiny_model()
    eps = model[1].eps
    conv = 1 + 2                                   # entrywise L1
    bn = max(0.5 / math.sqrt(0.25 + eps), 3.0 / math.sqrt(8.0 + eps))
    fc = max(1 + 2, 4 + 0.5)                       # largest column L1 sum
    reg = LipschitzRegularizer(mode='l1', weight=1e-2)
    assert reg(model).item() == pytest.approx(1e-2 * (conv + bn + fc), rel=1e-6)


def test_spectral_mode_converges_to_singular_values():
    model = tiny_model()
    reg = LipschitzRegularizer(mode='spectral', power_iters=50, weight=1.0)
    eps = model[1].eps
    bn = max(0.5 / math.sqrt(0.25 + eps), 3.0 / math.sqrt(8.0 + eps))
    # conv weight as a (2, 1) matrix [[1], [-2]]: sigma = sqrt(5)
    # fc [[1, -4], [2, 0.5]]: sigma^2 is the largest eigenvalue of W^T W
    wtw = [[1 + 4, -4 + 1], [-4 + 1, 16 + 0.25]]
    tr, det = wtw[0][0] + wtw[1][1], wtw[0][0] * wtw[1][1] - wtw[0][1] * wtw[1][0]
    fc = math.sqrt((tr + math.sqrt(tr * tr - 4 * det)) / 2)
    assert reg(model).item() == pytest.approx(math.sqrt(5) + bn + fc, rel=1e-4)


def test_gradient_flows_to_weights():
    model = tiny_model()
    LipschitzRegularizer(mode='l1', weight=1.0)(model).backward()
    torch.testing.assert_close(model[0].weight.grad.flatten(), torch.tensor([1.0, -1.0]))
    # only the largest column of the Linear layer gets gradient: sign(w) there
    torch.testing.assert_close(model[3].weight.grad, torch.tensor([[0.0, -1.0], [0.0, 1.0]]))


def test_bad_mode_and_registry():
    with pytest.raises(ValueError, match="'l1' or 'spectral'"):
        LipschitzRegularizer(mode='l2')
    assert isinstance(MODELS.build(dict(type='LipschitzRegularizer')), LipschitzRegularizer)

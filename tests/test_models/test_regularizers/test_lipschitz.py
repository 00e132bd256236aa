"""LipschitzRegularizer against bounds computed by hand on tiny layers."""
import math

import pytest
import torch
from torch import nn

from sfkd.models.regularizers import REFERENCE_STEPS, LipschitzRegularizer, weight_for_steps
from sfkd.utils.errors import BadConfigError
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


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


# ---------------------------------------------------------------- steps scaling
def l1_bound_sum(model):
    """The three hand-computed bounds of tiny_model(), as in the first test."""
    eps = model[1].eps
    return 3 + max(0.5 / math.sqrt(0.25 + eps), 3.0 / math.sqrt(8.0 + eps)) + 4.5


def test_reference_steps_are_the_official_runs():
    # CIFAR-100: ceil(50000 / 64) = 782 steps an epoch, 240 epochs
    assert REFERENCE_STEPS == 187680 == math.ceil(50000 / 64) * 240


def test_weight_for_steps_is_weight_times_reference_over_steps():
    assert weight_for_steps(1e-5, 1876) == pytest.approx(1e-5 * 187680 / 1876, rel=1e-12)
    assert weight_for_steps(2e-5, 100, reference_steps=400) == pytest.approx(8e-5, rel=1e-12)
    assert weight_for_steps(1e-5, REFERENCE_STEPS) == pytest.approx(1e-5, rel=1e-12)


def test_integer_steps_scale_the_term():
    model = tiny_model()
    reg = LipschitzRegularizer(mode='l1', weight=1e-5, steps=1000, reference_steps=250000)
    assert reg.effective_weight() == pytest.approx(2.5e-3, rel=1e-12)
    assert reg(model).item() == pytest.approx(2.5e-3 * l1_bound_sum(model), rel=1e-6)


def test_auto_steps_read_max_iters_from_the_progress():
    model = tiny_model()
    reg = LipschitzRegularizer(mode='l1', weight=1e-5, steps='auto')
    reg.set_progress(0, max_epochs=2, max_iters=1876)
    expected = 1e-5 * 187680 / 1876
    assert reg(model).item() == pytest.approx(expected * l1_bound_sum(model), rel=1e-6)
    reg.set_progress(0, max_epochs=1, max_iters=938)  # half the steps: twice the weight
    assert reg.effective_weight() == pytest.approx(2 * expected, rel=1e-12)


def test_auto_steps_without_progress_is_a_clear_error():
    with pytest.raises(BadConfigError, match=r"^LipschitzRegularizer steps='auto' has no "
                                             r"max_iters \(the run's optimiser steps\): call "
                                             r'model\.set_progress\(epoch, max_epochs, '
                                             r"max_iters\) .*sfkd's runner.*TrainingProgressHook"
                                             r'.*steps=1876$'):
        LipschitzRegularizer(steps='auto')(tiny_model())
    reg = LipschitzRegularizer(steps='auto')
    reg.set_progress(3, max_epochs=5)  # the epochs alone do not give the steps
    with pytest.raises(BadConfigError, match="steps='auto' has no max_iters"):
        reg.effective_weight()


def test_no_steps_keeps_the_weight_as_given():
    reg = LipschitzRegularizer(weight=1e-5)
    assert reg.steps is None and reg.effective_weight() == 1e-5


@pytest.mark.parametrize('steps', [0, 2.5, 'many'])
def test_bad_steps_are_refused_by_name(steps):
    with pytest.raises(BadConfigError, match='^steps must be'):
        LipschitzRegularizer(steps=steps)


def test_fashion_mnist_configs_keep_or_scale_the_weight():
    from mmengine.config import Config

    from sfkd_testing import ROOT
    plain = Config.fromfile(f'{ROOT}/configs/soteacher/soteacher_small-resnet_fashion-mnist.py')
    assert plain.model.regularizers.lipschitz.get('steps') is None
    cfg = Config.fromfile(f'{ROOT}/configs/soteacher/soteacher-steps_small-resnet_fashion-mnist.py')
    lip = cfg.model.regularizers.lipschitz
    assert (lip.type, lip.weight, lip.steps, lip.reference_steps) == \
        ('LipschitzRegularizer', 1e-5, 'auto', 187680)
    assert cfg.model.regularizers.consistency == plain.model.regularizers.consistency

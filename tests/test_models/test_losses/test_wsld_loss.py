"""Tests of WSLDLoss (Zhou et al., ICLR 2021)."""
import math

import pytest
import torch

from sfkd.models.losses import WSLDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _log_softmax(row, tau=1.0):
    scaled = [v / tau for v in row]
    log_z = math.log(sum(math.exp(v) for v in scaled))
    return [v - log_z for v in scaled]


def _reference_wsld(student, teacher, target, tau):
    total = 0.0
    for s_row, t_row, gt in zip(student, teacher, target):
        ce_s = -_log_softmax(s_row)[gt]
        ce_t = -_log_softmax(t_row)[gt]
        weight = 1 - math.exp(-ce_s / ce_t)
        soft_t = [math.exp(v) for v in _log_softmax(t_row, tau)]
        soft_ce = -sum(p * q for p, q in zip(soft_t, _log_softmax(s_row, tau)))
        total += weight * soft_ce
    return tau**2 * total / len(student)


STUDENT = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
TEACHER = [[0.3, 2.5, -1.0], [2.0, 1.0, 0.0]]
TARGET = [1, 0]


def _tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64),
            torch.tensor(TEACHER, dtype=torch.float64),
            torch.tensor(TARGET))


def test_closed_form_uniform_student():
    # student uniform: ce_s = ln 2 and the soft CE is ln 2 at any tau;
    # teacher softmax = [3/4, 1/4]: ce_t = ln(4/3)
    s = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    t = torch.tensor([[math.log(3.0), 0.0]], dtype=torch.float64)
    weight = 1 - math.exp(-math.log(2.0) / math.log(4.0 / 3.0))
    expected = 4.0 * weight * math.log(2.0)
    assert WSLDLoss()(s, t, target=torch.tensor([0])).item() == pytest.approx(expected, rel=1e-6)


def test_exact_value_against_reference():
    s, t, y = _tensors()
    expected = _reference_wsld(STUDENT, TEACHER, TARGET, 2.0)
    assert WSLDLoss()(s, t, target=y).item() == pytest.approx(expected, rel=1e-6)


def test_exact_value_other_tau():
    s, t, y = _tensors()
    expected = _reference_wsld(STUDENT, TEACHER, TARGET, 3.0)
    assert WSLDLoss(tau=3.0)(s, t, target=y).item() == pytest.approx(expected, rel=1e-6)


def test_weight_carries_no_gradient():
    # d loss / d s_i = tau^2 / N * w_i * (softmax(s_i / tau) - softmax(t_i / tau)) / tau
    # holds only if the weights w_i are treated as constants
    tau = 2.0
    s, t, y = _tensors()
    s.requires_grad_(True)
    WSLDLoss(tau=tau)(s, t, target=y).backward()
    for i, (s_row, t_row, gt) in enumerate(zip(STUDENT, TEACHER, TARGET)):
        w = 1 - math.exp(-_log_softmax(s_row)[gt] / _log_softmax(t_row)[gt])
        q_s = [math.exp(v) for v in _log_softmax(s_row, tau)]
        q_t = [math.exp(v) for v in _log_softmax(t_row, tau)]
        expected = [tau**2 / 2 * w * (a - b) / tau for a, b in zip(q_s, q_t)]
        torch.testing.assert_close(s.grad[i], torch.tensor(expected, dtype=torch.float64))


def test_target_is_required():
    s, t, _ = _tensors()
    with pytest.raises(TypeError):
        WSLDLoss()(s, t)


def test_loss_weight_scales():
    s, t, y = _tensors()
    torch.testing.assert_close(WSLDLoss(loss_weight=2.5)(s, t, target=y),
                               2.5 * WSLDLoss()(s, t, target=y))


def test_gradient_reaches_student_only():
    s = torch.randn(3, 4, requires_grad=True)
    t = torch.randn(3, 4, requires_grad=True)
    WSLDLoss()(s, t, target=torch.tensor([0, 3, 1])).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_registry_builds():
    loss = MODELS.build(dict(type='WSLDLoss', tau=3.0))
    assert isinstance(loss, WSLDLoss)
    s, t, y = _tensors()
    expected = _reference_wsld(STUDENT, TEACHER, TARGET, 3.0)
    assert loss(s, t, target=y).item() == pytest.approx(expected, rel=1e-6)

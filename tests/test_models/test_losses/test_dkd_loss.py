"""Tests of DKDLoss (Zhao et al., CVPR 2022)."""
import math

import pytest
import torch

from sfkd.models.losses import DKDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _softmax(row):
    exps = [math.exp(v) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _kl(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))


def _reference_dkd(student, teacher, target, alpha, beta, tau):
    """Exact TCKD/NCKD with the non-target classes dropped (no 1000 offset)."""
    total = 0.0
    for s_row, t_row, gt in zip(student, teacher, target):
        p_s = _softmax([v / tau for v in s_row])
        p_t = _softmax([v / tau for v in t_row])
        tckd = _kl([p_t[gt], 1 - p_t[gt]], [p_s[gt], 1 - p_s[gt]])
        q_s = _softmax([v / tau for k, v in enumerate(s_row) if k != gt])
        q_t = _softmax([v / tau for k, v in enumerate(t_row) if k != gt])
        total += alpha * tckd + beta * _kl(q_t, q_s)
    return tau**2 * total / len(student)


STUDENT = [[1.0, 2.0, 0.5, -0.5], [-1.0, 0.0, 3.0, 1.0]]
TEACHER = [[0.3, 2.5, -1.0, 1.5], [2.0, 1.0, 0.0, -2.0]]
TARGET = [1, 2]


def _tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64),
            torch.tensor(TEACHER, dtype=torch.float64),
            torch.tensor(TARGET))


def test_exact_value_against_reference():
    s, t, y = _tensors()
    expected = _reference_dkd(STUDENT, TEACHER, TARGET, 1.0, 8.0, 4.0)
    assert DKDLoss()(s, t, target=y).item() == pytest.approx(expected, rel=1e-9)


def test_exact_value_other_hyperparameters():
    s, t, y = _tensors()
    expected = _reference_dkd(STUDENT, TEACHER, TARGET, 0.5, 2.0, 1.5)
    loss = DKDLoss(alpha=0.5, beta=2.0, tau=1.5)(s, t, target=y)
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_kd_decomposition_single_sample():
    # Paper Eq. (1): KD = TCKD + (1 - p_t[gt]) * NCKD for one sample
    s, t, y = _tensors()
    s, t, y = s[:1], t[:1], y[:1]
    tau = 4.0
    tckd = DKDLoss(alpha=1.0, beta=0.0, tau=tau)(s, t, target=y).item()
    nckd = DKDLoss(alpha=0.0, beta=1.0, tau=tau)(s, t, target=y).item()
    p_s = _softmax([v / tau for v in STUDENT[0]])
    p_t = _softmax([v / tau for v in TEACHER[0]])
    kd = tau**2 * _kl(p_t, p_s)
    assert tckd + (1 - p_t[TARGET[0]]) * nckd == pytest.approx(kd, rel=1e-9)


def test_two_classes_has_no_nckd():
    # with one non-target class, NCKD is 0 and TCKD is the full KD term
    s = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    t = torch.tensor([[4.0 * math.log(3.0), 0.0]], dtype=torch.float64)
    expected = 16.0 * (0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert DKDLoss()(s, t, target=torch.tensor([0])).item() == pytest.approx(expected, rel=1e-9)


def test_target_is_required():
    s, t, _ = _tensors()
    with pytest.raises(TypeError):
        DKDLoss()(s, t)


def test_loss_weight_scales():
    s, t, y = _tensors()
    torch.testing.assert_close(DKDLoss(loss_weight=0.25)(s, t, target=y),
                               0.25 * DKDLoss()(s, t, target=y))


def test_gradient_reaches_student_only():
    s = torch.randn(3, 5, requires_grad=True)
    t = torch.randn(3, 5, requires_grad=True)
    DKDLoss()(s, t, target=torch.tensor([0, 4, 2])).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_registry_builds():
    loss = MODELS.build(dict(type='DKDLoss', alpha=0.5, beta=2.0, tau=1.5))
    assert isinstance(loss, DKDLoss)
    s, t, y = _tensors()
    expected = _reference_dkd(STUDENT, TEACHER, TARGET, 0.5, 2.0, 1.5)
    assert loss(s, t, target=y).item() == pytest.approx(expected, rel=1e-9)


def test_confident_logits_stay_finite():
    # 1 - p_gt underflows to 0 in float32 here; the loss must not become inf/nan
    s = torch.tensor([[120.0, 0.0, 1.0]], requires_grad=True)
    t = torch.tensor([[0.0, 120.0, 1.0]])
    loss = DKDLoss(tau=1.0)(s, t, target=torch.tensor([0]))
    loss.backward()
    assert torch.isfinite(loss) and loss.item() > 100.0
    assert torch.isfinite(s.grad).all()

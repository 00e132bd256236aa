"""Tests of KDLoss (Hinton et al. 2015)."""
import math

import pytest
import torch

from sfkd.models.losses import KDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _softmax(row, tau):
    exps = [math.exp(v / tau) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _reference_kd(student, teacher, tau):
    """tau^2 * mean over rows of KL(p_t || p_s), with plain Python loops."""
    total = 0.0
    for s_row, t_row in zip(student, teacher):
        p_s, p_t = _softmax(s_row, tau), _softmax(t_row, tau)
        total += sum(pt * math.log(pt / ps) for pt, ps in zip(p_t, p_s))
    return tau**2 * total / len(student)


def test_closed_form_two_classes():
    # student uniform, teacher softmax(t / tau) = [3/4, 1/4]
    tau = 2.0
    student = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    teacher = torch.tensor([[tau * math.log(3.0), 0.0]], dtype=torch.float64)
    expected = tau**2 * (0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5))
    assert KDLoss(tau=tau)(student, teacher).item() == pytest.approx(expected, rel=1e-9)


def test_exact_value_against_reference():
    student = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
    teacher = [[0.3, 2.5, -1.0], [2.0, 1.0, 0.0]]
    loss = KDLoss()(torch.tensor(student, dtype=torch.float64),
                    torch.tensor(teacher, dtype=torch.float64))
    assert loss.item() == pytest.approx(_reference_kd(student, teacher, 4.0), rel=1e-9)


def test_dense_logits_use_dim1_as_classes():
    # (N=1, C=3, H=1, W=2): each spatial position is one 3-class row
    student = torch.tensor([[[[1.0, -1.0]], [[2.0, 0.0]], [[0.5, 3.0]]]],
                           dtype=torch.float64)
    teacher = torch.tensor([[[[0.3, 2.0]], [[2.5, 1.0]], [[-1.0, 0.0]]]],
                           dtype=torch.float64)
    rows_s = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
    rows_t = [[0.3, 2.5, -1.0], [2.0, 1.0, 0.0]]
    loss = KDLoss(tau=3.0)(student, teacher)
    assert loss.item() == pytest.approx(_reference_kd(rows_s, rows_t, 3.0), rel=1e-9)


def test_zero_when_student_equals_teacher():
    logits = torch.randn(4, 5)
    assert KDLoss()(logits, logits.clone()).item() == pytest.approx(0.0, abs=1e-6)


def test_loss_weight_scales():
    s, t = torch.randn(3, 4), torch.randn(3, 4)
    base = KDLoss(tau=2.0)(s, t)
    torch.testing.assert_close(KDLoss(tau=2.0, loss_weight=2.5)(s, t), 2.5 * base)


def test_gradient_reaches_student_only():
    s = torch.randn(3, 4, requires_grad=True)
    t = torch.randn(3, 4, requires_grad=True)
    KDLoss()(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_undetached_teacher_gets_the_kl_gradient():
    # d/dt of tau^2 * KL(softmax(t/tau) || softmax(s/tau)) at s == t is zero,
    # so use different logits and check against autograd on the formula.
    s = torch.tensor([[0.3, -0.2, 1.0]], requires_grad=True)
    t = torch.tensor([[1.0, 0.5, -0.5]], requires_grad=True)
    KDLoss(tau=2.0, detach_teacher=False)(s, t).backward()
    t_ref = t.detach().clone().requires_grad_(True)
    p = torch.softmax(t_ref / 2.0, 1)
    kl = (p * (torch.log(p) - torch.log_softmax(s.detach() / 2.0, 1))).sum() * 4.0
    kl.backward()
    torch.testing.assert_close(t.grad, t_ref.grad)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        KDLoss()(torch.randn(2, 3), torch.randn(2, 4))


def test_registry_builds():
    loss = MODELS.build(dict(type='KDLoss', tau=2))
    assert isinstance(loss, KDLoss) and loss.tau == 2.0
    s, t = [[1.0, 0.0, -1.0]], [[0.0, 1.0, 2.0]]
    value = loss(torch.tensor(s, dtype=torch.float64), torch.tensor(t, dtype=torch.float64))
    assert value.item() == pytest.approx(_reference_kd(s, t, 2.0), rel=1e-9)

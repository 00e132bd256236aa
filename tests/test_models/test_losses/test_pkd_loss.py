"""Tests of PKDLoss (Cao et al., NeurIPS 2022)."""
import math

import pytest
import torch

from sfkd.models.losses import PKDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

EPS = 1e-6


def _reference_pkd(student, teacher):
    """Per-channel standardisation over (n, h, w), unbiased std + eps; MSE / 2."""
    n, c = len(student), len(student[0])

    def channel(x, k):
        return [v for i in range(n) for row in x[i][k] for v in row]

    sq_sum, count = 0.0, 0
    for k in range(c):
        normed = []
        for x in (student, teacher):
            vals = channel(x, k)
            mean = sum(vals) / len(vals)
            std = math.sqrt(sum((v - mean)**2 for v in vals) / (len(vals) - 1))
            normed.append([(v - mean) / (std + EPS) for v in vals])
        sq_sum += sum((a - b)**2 for a, b in zip(*normed))
        count += len(normed[0])
    return sq_sum / count / 2


# (N=1, C=2, H=2, W=2)
STUDENT = [[[[1.0, 2.0], [0.5, -0.5]], [[-1.0, 0.0], [3.0, 1.0]]]]
TEACHER = [[[[0.3, 2.5], [-1.0, 1.5]], [[2.0, 1.0], [0.0, -2.0]]]]


def _tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64),
            torch.tensor(TEACHER, dtype=torch.float64))


def test_closed_form_negated_teacher():
    # norm(-x) = -norm(x): loss = mean(4 * norm(x)^2) / 2 = 2 * (M - 1) / M, M = 4
    s, _ = _tensors()
    assert PKDLoss()(s, -s).item() == pytest.approx(2.0 * 3.0 / 4.0, rel=1e-5)


def test_exact_value_against_reference():
    s, t = _tensors()
    assert PKDLoss()(s, t).item() == pytest.approx(_reference_pkd(STUDENT, TEACHER), rel=1e-9)


def test_statistics_pool_over_batch():
    student = STUDENT + [[[[0.0, 1.0], [1.0, 0.0]], [[2.0, -2.0], [0.5, 0.5]]]]
    teacher = TEACHER + [[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, -1.0]]]]
    s = torch.tensor(student, dtype=torch.float64)
    t = torch.tensor(teacher, dtype=torch.float64)
    pooled = _reference_pkd(student, teacher)
    per_sample = (_reference_pkd(student[:1], teacher[:1])
                  + _reference_pkd(student[1:], teacher[1:])) / 2
    assert pooled != pytest.approx(per_sample, rel=1e-3)
    assert PKDLoss()(s, t).item() == pytest.approx(pooled, rel=1e-9)


def test_sequence_of_levels_is_summed():
    # a second, smaller level of shape (N=1, C=2, H=1, W=3)
    level_s = [[[[0.0, 1.0, 4.0]], [[2.0, -2.0, 0.5]]]]
    level_t = [[[[1.0, 0.0, 2.0]], [[0.0, 3.0, 1.0]]]]
    s, t = _tensors()
    small_s = torch.tensor(level_s, dtype=torch.float64)
    small_t = torch.tensor(level_t, dtype=torch.float64)
    expected = _reference_pkd(STUDENT, TEACHER) + _reference_pkd(level_s, level_t)
    assert PKDLoss()((s, small_s), [t, small_t]).item() == pytest.approx(expected, rel=1e-9)


def test_invariant_to_per_channel_affine_teacher():
    # Pearson correlation ignores a positive per-channel scale and offset
    s, _ = _tensors()
    scale = torch.tensor([3.0, 0.5], dtype=torch.float64).view(1, 2, 1, 1)
    offset = torch.tensor([-2.0, 7.0], dtype=torch.float64).view(1, 2, 1, 1)
    assert PKDLoss()(s, s * scale + offset).item() == pytest.approx(0.0, abs=1e-10)


def test_zero_when_student_equals_teacher():
    x = torch.randn(2, 3, 4, 4)
    assert PKDLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-10)


def test_loss_weight_scales():
    s, t = _tensors()
    torch.testing.assert_close(PKDLoss(loss_weight=6.0)(s, t), 6.0 * PKDLoss()(s, t))


def test_gradient_reaches_student_only():
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 3, 4, 4, requires_grad=True)
    PKDLoss()(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_mismatched_inputs_raise():
    with pytest.raises(ValueError):
        PKDLoss()(torch.randn(1, 2, 4, 4), torch.randn(1, 2, 2, 2))
    with pytest.raises(ValueError):
        PKDLoss()((torch.randn(1, 2, 4, 4), ), (torch.randn(1, 2, 4, 4), ) * 2)


def test_registry_builds():
    loss = MODELS.build(dict(type='PKDLoss', loss_weight=6.0))
    assert isinstance(loss, PKDLoss)
    s, t = _tensors()
    assert loss(s, t).item() == pytest.approx(6.0 * _reference_pkd(STUDENT, TEACHER), rel=1e-9)

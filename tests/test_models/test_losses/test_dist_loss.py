"""Tests of DISTLoss (Huang et al., NeurIPS 2022)."""
import math

import pytest
import torch

from sfkd.models.losses import DISTLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _softmax(row, tau):
    exps = [math.exp(v / tau) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _pearson(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    da, db = [x - ma for x in a], [x - mb for x in b]
    num = sum(x * y for x, y in zip(da, db))
    return num / (math.sqrt(sum(x * x for x in da)) * math.sqrt(sum(y * y for y in db)))


def _reference_dist(student, teacher, beta, gamma, tau):
    y_s = [_softmax(r, tau) for r in student]
    y_t = [_softmax(r, tau) for r in teacher]
    inter = 1 - sum(_pearson(a, b) for a, b in zip(y_s, y_t)) / len(y_s)
    cols_s, cols_t = list(zip(*y_s)), list(zip(*y_t))
    intra = 1 - sum(_pearson(a, b) for a, b in zip(cols_s, cols_t)) / len(cols_s)
    return tau**2 * (beta * inter + gamma * intra)


STUDENT = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [0.2, 0.1, -0.4]]
TEACHER = [[0.3, 2.5, -1.0], [2.0, 1.0, 0.0], [1.0, -0.5, 0.5]]


def _tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64),
            torch.tensor(TEACHER, dtype=torch.float64))


def test_closed_form_anti_correlated():
    # every row and every column of the two prob matrices is perfectly
    # anti-correlated (r = -1), so inter = intra = 2
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    loss = DISTLoss(beta=1.0, gamma=0.5, tau=2.0)(s, t)
    assert loss.item() == pytest.approx(4.0 * (2.0 + 0.5 * 2.0), rel=1e-6)


def test_exact_value_default():
    s, t = _tensors()
    expected = _reference_dist(STUDENT, TEACHER, 1.0, 1.0, 1.0)
    assert DISTLoss()(s, t).item() == pytest.approx(expected, rel=1e-6)


def test_exact_value_other_hyperparameters():
    s, t = _tensors()
    expected = _reference_dist(STUDENT, TEACHER, 2.0, 0.5, 4.0)
    assert DISTLoss(beta=2.0, gamma=0.5, tau=4.0)(s, t).item() == pytest.approx(expected, rel=1e-6)


def test_inter_and_intra_terms_separately():
    s, t = _tensors()
    inter = _reference_dist(STUDENT, TEACHER, 1.0, 0.0, 1.0)
    intra = _reference_dist(STUDENT, TEACHER, 0.0, 1.0, 1.0)
    assert inter != pytest.approx(intra, rel=1e-3)  # the two terms differ here
    assert DISTLoss(beta=1.0, gamma=0.0)(s, t).item() == pytest.approx(inter, rel=1e-6)
    assert DISTLoss(beta=0.0, gamma=1.0)(s, t).item() == pytest.approx(intra, rel=1e-6)


def test_zero_when_student_equals_teacher():
    s, _ = _tensors()
    assert DISTLoss()(s, s.clone()).item() == pytest.approx(0.0, abs=1e-6)


def test_loss_weight_scales():
    s, t = _tensors()
    torch.testing.assert_close(DISTLoss(loss_weight=3.0)(s, t), 3.0 * DISTLoss()(s, t))


def test_gradient_reaches_student_only():
    s = torch.randn(4, 5, requires_grad=True)
    t = torch.randn(4, 5, requires_grad=True)
    DISTLoss()(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_registry_builds():
    loss = MODELS.build(dict(type='DISTLoss', beta=2.0, gamma=0.5, tau=4.0))
    assert isinstance(loss, DISTLoss)
    s, t = _tensors()
    expected = _reference_dist(STUDENT, TEACHER, 2.0, 0.5, 4.0)
    assert loss(s, t).item() == pytest.approx(expected, rel=1e-6)

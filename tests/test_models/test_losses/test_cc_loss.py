import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import CCLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def reference_cc(student, teacher, gamma=0.4, max_order=2):
    """Plain-loop correlation congruence with the truncated RBF series."""
    def correlation(x):
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        n = len(x)
        out = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                dot = float(np.dot(x[i], x[j]))
                out[i, j] = sum(math.exp(-2 * gamma) * (2 * gamma)**p / math.factorial(p)
                                * dot**p for p in range(max_order + 1))
        return out

    c_s, c_t = correlation(student), correlation(teacher)
    return float(((c_s - c_t)**2).sum() / len(c_s)**2)


def test_exact_value_hand_derived():
    g = 0.4
    student = torch.tensor([[2., 0.], [0., 3.]])  # orthogonal: cosine 0
    teacher = torch.tensor([[1., 0.], [5., 0.]])  # parallel: cosine 1
    # diagonals agree; off-diagonal: exp(-2g) * 1 vs exp(-2g) * (1 + 2g + (2g)**2 / 2)
    off_diff = math.exp(-2 * g) * (2 * g + 2 * g * g)
    expected = 2 * off_diff**2 / 4
    assert CCLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-6)


def test_high_order_series_approaches_gaussian_rbf():
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(4, 3, dtype=torch.float64), dim=1)
    rbf = torch.exp(-0.4 * torch.cdist(x, x)**2)
    torch.testing.assert_close(CCLoss(max_order=30).correlation(x), rbf)


@pytest.mark.parametrize('gamma,max_order', [(0.4, 2), (1.0, 3), (0.4, 0)])
def test_matches_loop_reference(gamma, max_order):
    torch.manual_seed(1)
    student = torch.randn(5, 4, dtype=torch.float64)
    teacher = torch.randn(5, 2, 3, dtype=torch.float64)
    value = CCLoss(gamma=gamma, max_order=max_order)(student, teacher).item()
    assert value == pytest.approx(reference_cc(student, teacher, gamma, max_order), rel=1e-10)


def test_loss_weight_scales():
    s, t = torch.randn(5, 4), torch.randn(5, 4)
    torch.testing.assert_close(CCLoss(loss_weight=0.02)(s, t), 0.02 * CCLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(5, 4)
    assert CCLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_reaches_student_only():
    student = torch.randn(5, 4, requires_grad=True)
    teacher = torch.randn(5, 4, requires_grad=True)
    CCLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(5, 4\).*\(6, 4\)'):
        CCLoss()(torch.randn(5, 4), torch.randn(6, 4))


def test_registry_builds():
    loss = MODELS.build(dict(type='CCLoss', gamma=0.5, max_order=3))
    assert isinstance(loss, CCLoss) and (loss.gamma, loss.max_order) == (0.5, 3)

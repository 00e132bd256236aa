import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import SPLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def reference_sp(student, teacher):
    """Plain-loop similarity-preserving loss."""
    def gram(x):
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        n = len(x)
        g = [[float(np.dot(x[i], x[j])) for j in range(n)] for i in range(n)]
        return [[v / math.sqrt(sum(u * u for u in row)) for v in row] for row in g]

    g_s, g_t = gram(student), gram(teacher)
    n = len(g_s)
    return sum((g_s[i][j] - g_t[i][j])**2 for i in range(n) for j in range(n)) / n**2


def test_exact_value_hand_derived():
    student = torch.tensor([[1., 0.], [1., 1.]])  # Gram [[1, 1], [1, 2]]
    teacher = torch.tensor([[1., 0.], [0., 1.]])  # Gram I
    r2, r5 = math.sqrt(2), math.sqrt(5)
    # rows normalised: [1, 1] / sqrt(2) and [1, 2] / sqrt(5)
    expected = ((1 / r2 - 1)**2 + (1 / r2)**2 + (1 / r5)**2 + (2 / r5 - 1)**2) / 4
    assert SPLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-6)


def test_matches_loop_reference_with_different_widths():
    torch.manual_seed(0)
    student = torch.randn(3, 2, 2, 2, dtype=torch.float64)
    teacher = torch.randn(3, 5, 1, 3, dtype=torch.float64)
    assert SPLoss()(student, teacher).item() == pytest.approx(
        reference_sp(student, teacher), rel=1e-10)


def test_list_of_stages_is_summed():
    torch.manual_seed(1)
    s = [torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 2, 2, 2, dtype=torch.float64)]
    t = [torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 3, 2, 2, dtype=torch.float64)]
    expected = reference_sp(s[0], t[0]) + reference_sp(s[1], t[1])
    assert SPLoss()(s, t).item() == pytest.approx(expected, rel=1e-10)


def test_loss_weight_scales():
    s, t = torch.randn(4, 3, 2, 2), torch.randn(4, 5, 2, 2)
    torch.testing.assert_close(SPLoss(loss_weight=3000.0)(s, t), 3000.0 * SPLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(4, 3, 2, 2)
    assert SPLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_reaches_student_only():
    student = torch.randn(4, 3, requires_grad=True)
    teacher = torch.randn(4, 3, requires_grad=True)
    SPLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(4, 3\).*\(5, 3\)'):
        SPLoss()(torch.randn(4, 3), torch.randn(5, 3))


def test_registry_builds():
    assert isinstance(MODELS.build(dict(type='SPLoss')), SPLoss)

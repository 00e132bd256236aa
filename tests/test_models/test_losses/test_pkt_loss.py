import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import PKTLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

EPS = 1e-7


def reference_pkt(student, teacher, eps=EPS):
    """Plain-loop PKT: cosine kernel in [0, 1], row-normalised, mean KL term."""
    def probabilities(x):
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        n = len(x)
        unit = [x[i] / (math.sqrt(float(np.dot(x[i], x[i]))) + eps) for i in range(n)]
        k = [[(float(np.dot(unit[i], unit[j])) + 1) / 2 for j in range(n)] for i in range(n)]
        return [[v / sum(row) for v in row] for row in k]

    p_s, p_t = probabilities(student), probabilities(teacher)
    n = len(p_s)
    return sum(p_t[i][j] * math.log((p_t[i][j] + eps) / (p_s[i][j] + eps))
               for i in range(n) for j in range(n)) / n**2


def test_exact_value_hand_derived():
    student = torch.tensor([[1., 0.], [0., 1.]], dtype=torch.float64)  # cosine 0
    teacher = torch.tensor([[1., 0.], [3., 0.]], dtype=torch.float64)  # cosine 1
    # student kernel [[1, .5], [.5, 1]] -> P_s rows (2/3, 1/3); teacher P_t = 1/2
    expected = (2 * 0.5 * math.log(0.5 / (2 / 3)) + 2 * 0.5 * math.log(0.5 / (1 / 3))) / 4
    assert PKTLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-5)


def test_matches_loop_reference_with_different_widths():
    torch.manual_seed(0)
    student = torch.randn(4, 3, dtype=torch.float64)
    teacher = torch.randn(4, 2, 2, 2, dtype=torch.float64)
    assert PKTLoss()(student, teacher).item() == pytest.approx(
        reference_pkt(student, teacher), rel=1e-10)


def test_zero_vector_gives_finite_loss():
    student = torch.tensor([[0., 0.], [1., 2.], [2., -1.]])
    assert torch.isfinite(PKTLoss()(student, torch.randn(3, 2)))


def test_loss_weight_scales():
    s, t = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(PKTLoss(loss_weight=3e4)(s, t), 3e4 * PKTLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(4, 3, dtype=torch.float64)
    assert PKTLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_reaches_student_only():
    student = torch.randn(4, 3, requires_grad=True)
    teacher = torch.randn(4, 3, requires_grad=True)
    PKTLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(4, 3\).*\(2, 3\)'):
        PKTLoss()(torch.randn(4, 3), torch.randn(2, 3))


def test_registry_builds():
    loss = MODELS.build(dict(type='PKTLoss'))
    assert isinstance(loss, PKTLoss) and loss.eps == 1e-7

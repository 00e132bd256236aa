import math

import pytest
import torch

from sfkd.models.losses import FTLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

# sample 0: student (3, 4) -> (0.6, 0.8), teacher (1, 0) -> (1, 0)
# sample 1: student (0, 2) -> (0, 1), teacher (1, 1) -> (1/sqrt2, 1/sqrt2)
STUDENT = torch.tensor([[3., 4.], [0., 2.]], dtype=torch.float64).view(2, 2, 1, 1)
TEACHER = torch.tensor([[1., 0.], [1., 1.]], dtype=torch.float64).view(2, 2, 1, 1)
R = 1 / math.sqrt(2)
DIFFS = [0.6 - 1, 0.8 - 0, 0 - R, 1 - R]


def test_exact_value_l1():
    expected = sum(abs(d) for d in DIFFS) / 4  # (0.4 + 0.8 + 1.0) / 4
    assert FTLoss()(STUDENT, TEACHER).item() == pytest.approx(expected, rel=1e-10)
    assert expected == pytest.approx(0.55)


def test_exact_value_p2():
    expected = sum(d * d for d in DIFFS) / 4
    assert FTLoss(p=2)(STUDENT, TEACHER).item() == pytest.approx(expected, rel=1e-10)


def test_invariant_to_positive_scale_and_layout():
    torch.testing.assert_close(FTLoss()(5 * STUDENT, TEACHER.view(2, 2)),
                               FTLoss()(STUDENT, TEACHER))


def test_loss_weight_scales():
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(FTLoss(loss_weight=200.0)(s, t), 200.0 * FTLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(2, 3, 4, 4)
    assert FTLoss()(x, x.clone()).item() == 0.0


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    FTLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_size_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(2, 3, 2, 2\)'):
        FTLoss()(torch.randn(2, 3, 4, 4), torch.randn(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(1, 3, 4, 4\)'):
        FTLoss()(torch.randn(2, 3, 4, 4), torch.randn(1, 3, 4, 4))


def test_registry_builds():
    loss = MODELS.build(dict(type='FTLoss'))
    assert isinstance(loss, FTLoss) and loss.p == 1.0

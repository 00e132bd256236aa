import pytest
import torch

from sfkd.models.losses import FitNetsLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def test_exact_value_vectors():
    student = torch.tensor([[1., 2.], [3., 4.]])
    teacher = torch.tensor([[0., 2.], [1., 5.]])
    # squared differences 1, 0, 4, 1 -> mean 6 / 4
    assert FitNetsLoss()(student, teacher).item() == pytest.approx(1.5, rel=1e-6)


def test_exact_value_maps():
    student = torch.arange(8, dtype=torch.float64).view(1, 2, 2, 2)
    teacher = torch.zeros(1, 2, 2, 2, dtype=torch.float64)
    expected = sum(v * v for v in range(8)) / 8  # 140 / 8
    assert FitNetsLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-12)


def test_loss_weight_scales():
    student, teacher = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(FitNetsLoss(loss_weight=2.5)(student, teacher),
                               2.5 * FitNetsLoss()(student, teacher))


def test_zero_when_equal():
    x = torch.randn(2, 3, 4, 4)
    assert FitNetsLoss()(x, x.clone()).item() == 0.0


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, requires_grad=True)
    teacher = torch.randn(2, 3, requires_grad=True)
    FitNetsLoss()(student, teacher).backward()
    torch.testing.assert_close(student.grad, 2 * (student - teacher).detach() / 6)
    assert teacher.grad is None


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(2, 5, 4, 4\).*connector'):
        FitNetsLoss()(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))


def test_registry_builds():
    loss = MODELS.build(dict(type='FitNetsLoss', loss_weight=100.0))
    assert isinstance(loss, FitNetsLoss) and loss.loss_weight == 100.0

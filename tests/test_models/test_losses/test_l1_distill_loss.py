"""L1DistillLoss against hand-computed values."""
import pytest
import torch

from sfkd.models.losses import L1DistillLoss

pytestmark = pytest.mark.unit


def test_value_is_the_mean_absolute_difference_times_the_weight():
    s = torch.tensor([[1.0, -2.0], [0.5, 4.0]])
    t = torch.tensor([[0.0, 1.0], [0.5, 2.0]])
    # |1| + |-3| + 0 + |2| = 6 over 4 elements = 1.5, not divided by the pixel count again
    assert L1DistillLoss()(s, t).item() == pytest.approx(1.5)
    assert L1DistillLoss(loss_weight=2.0)(s, t).item() == pytest.approx(3.0)


def test_teacher_gradient_only_without_detach():
    s = torch.tensor([2.0, 0.0], requires_grad=True)
    t = torch.tensor([1.0, 1.0], requires_grad=True)
    L1DistillLoss(detach_teacher=False)(s, t).backward()
    assert s.grad.tolist() == [0.5, -0.5] and t.grad.tolist() == [-0.5, 0.5]
    t2 = torch.tensor([1.0, 1.0], requires_grad=True)
    L1DistillLoss()(s, t2).backward()
    assert t2.grad is None


def test_shapes_must_match():
    with pytest.raises(ValueError, match=r'student \(2, 1\) and teacher \(2, 2\)'):
        L1DistillLoss()(torch.zeros(2, 1), torch.zeros(2, 2))

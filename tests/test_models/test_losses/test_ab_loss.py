import pytest
import torch

from sfkd.models.losses import ABLoss
from sfkd.registry import MODELS

# (student, teacher) with margin 1, one element per case:
#   s=-2, t=-1: already below -m                    -> 0
#   s=-0.5, t=-1: inactive teacher, s > -m           -> (s + 1)**2 = 0.25
#   s=0.5, t=0: t <= 0 counts as inactive            -> (s + 1)**2 = 2.25
#   s=2, t=1: already above +m                      -> 0
#   s=0.5, t=1: active teacher, s <= m               -> (s - 1)**2 = 0.25
#   s=-2, t=1: active teacher, s <= m                -> (s - 1)**2 = 9
STUDENT = torch.tensor([[-2., -0.5, 0.5], [2., 0.5, -2.]])
TEACHER = torch.tensor([[-1., -1., 0.], [1., 1., 1.]])
ELEMENT_SUM = 0.25 + 2.25 + 0.25 + 9


def test_exact_value_mean_reduction():
    assert ABLoss()(STUDENT, TEACHER).item() == pytest.approx(ELEMENT_SUM / 6, rel=1e-6)


def test_exact_value_batchmean_reduction():
    value = ABLoss(reduction='batchmean')(STUDENT, TEACHER).item()
    assert value == pytest.approx(ELEMENT_SUM / 2, rel=1e-6)


def test_exact_value_other_margin():
    # margin 0.5: s=-2 -> 0, s=-0.5 (not > -0.5) -> 0, s=0.5 (t=0) -> 1, s=2 -> 0,
    # s=0.5 (t=1, s <= m) -> 0, s=-2 (t=1) -> 6.25
    value = ABLoss(margin=0.5)(STUDENT, TEACHER).item()
    assert value == pytest.approx((1 + 6.25) / 6, rel=1e-6)


def test_stages_use_geometric_weights():
    second_s, second_t = torch.tensor([[0.]]), torch.tensor([[1.]])  # (0 - 1)**2 = 1
    value = ABLoss()([STUDENT, second_s], [TEACHER, second_t]).item()
    assert value == pytest.approx(0.5 * ELEMENT_SUM / 6 + 1.0, rel=1e-6)
    three = ABLoss()([second_s] * 3, [second_t] * 3).item()
    assert three == pytest.approx(0.25 + 0.5 + 1.0, rel=1e-6)


def test_explicit_stage_weights():
    second_s, second_t = torch.tensor([[0.]]), torch.tensor([[1.]])
    loss = ABLoss(stage_weights=[2.0, 3.0])
    value = loss([STUDENT, second_s], [TEACHER, second_t]).item()
    assert value == pytest.approx(2.0 * ELEMENT_SUM / 6 + 3.0, rel=1e-6)
    with pytest.raises(ValueError, match='stage weights'):
        loss([STUDENT], [TEACHER])


def test_loss_weight_scales():
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(ABLoss(loss_weight=3e-3)(s, t), 3e-3 * ABLoss()(s, t))


def test_zero_when_student_is_beyond_margin_on_teacher_side():
    teacher = torch.randn(2, 3, 4, 4)
    student = torch.where(teacher > 0, 1.5, -1.5)
    assert ABLoss()(student, teacher).item() == 0.0


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    ABLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(2, 4, 4, 4\)'):
        ABLoss()(torch.randn(2, 3, 4, 4), torch.randn(2, 4, 4, 4))


def test_invalid_reduction():
    with pytest.raises(ValueError, match='reduction'):
        ABLoss(reduction='sum')


def test_registry_builds():
    loss = MODELS.build(dict(type='ABLoss', margin=2.0))
    assert isinstance(loss, ABLoss) and loss.margin == 2.0

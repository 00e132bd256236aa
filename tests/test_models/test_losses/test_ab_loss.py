import pytest
import torch

from sfkd.models.losses import ABLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

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


def authors_loss(students, teachers, margin=1.0):
    """The official code's term, written out element by element in float64:
    ``sum_i sum(hinge_i) / batch / 2**(n-1-i) / 1000 * 3`` (Heo et al., AAAI 2019)."""
    total, n = 0.0, len(students)
    for i, (s, t) in enumerate(zip(students, teachers)):
        stage = 0.0
        for sv, tv in zip(s.double().flatten().tolist(), t.double().flatten().tolist()):
            if tv <= 0 and sv > -margin:
                stage += (sv + margin) ** 2
            elif tv > 0 and sv <= margin:
                stage += (sv - margin) ** 2
        total += stage / s.shape[0] / 2 ** (n - 1 - i)
    return total / 1000 * 3


def test_default_is_the_authors_scale():
    assert ABLoss()(STUDENT, TEACHER).item() == pytest.approx(ELEMENT_SUM / 2 * 3e-3, rel=1e-6)


def test_default_matches_the_authors_formula_on_cifar_sized_stages():
    g = torch.Generator().manual_seed(0)
    shapes = [(4, 16, 8, 8), (4, 32, 4, 4), (4, 64, 2, 2)]
    students = [torch.randn(s, generator=g) * 1.5 for s in shapes]
    teachers = [torch.randn(s, generator=g) for s in shapes]
    value = ABLoss()(students, teachers).item()
    assert value == pytest.approx(authors_loss(students, teachers), rel=1e-5)


def test_mean_reduction_is_the_element_average():
    value = ABLoss(reduction='mean', loss_weight=1.0)(STUDENT, TEACHER).item()
    assert value == pytest.approx(ELEMENT_SUM / 6, rel=1e-6)
    # against the reference on a feature map: the authors' value / (3e-3 * C*H*W)
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(2, 8, 4, 4, generator=g), torch.randn(2, 8, 4, 4, generator=g)
    value = ABLoss(reduction='mean', loss_weight=1.0)(s, t).item()
    assert value == pytest.approx(authors_loss([s], [t]) / (3e-3 * 8 * 4 * 4), rel=1e-5)


def test_mean_reduction_weight_that_restores_the_authors_scale():
    g = torch.Generator().manual_seed(2)
    s, t = torch.randn(2, 8, 4, 4, generator=g), torch.randn(2, 8, 4, 4, generator=g)
    value = ABLoss(reduction='mean', loss_weight=3e-3 * 8 * 4 * 4)(s, t).item()
    assert value == pytest.approx(authors_loss([s], [t]), rel=1e-5)


def test_batchmean_reduction_without_the_authors_factor():
    value = ABLoss(reduction='batchmean', loss_weight=1.0)(STUDENT, TEACHER).item()
    assert value == pytest.approx(ELEMENT_SUM / 2, rel=1e-6)


def test_exact_value_other_margin():
    # margin 0.5: s=-2 -> 0, s=-0.5 (not > -0.5) -> 0, s=0.5 (t=0) -> 1, s=2 -> 0,
    # s=0.5 (t=1, s <= m) -> 0, s=-2 (t=1) -> 6.25
    value = ABLoss(margin=0.5, reduction='mean', loss_weight=1.0)(STUDENT, TEACHER).item()
    assert value == pytest.approx((1 + 6.25) / 6, rel=1e-6)
    value = ABLoss(margin=0.5)(STUDENT, TEACHER).item()
    assert value == pytest.approx(authors_loss([STUDENT], [TEACHER], margin=0.5), rel=1e-6)


def test_stages_use_geometric_weights():
    second_s, second_t = torch.tensor([[0.]]), torch.tensor([[1.]])  # (0 - 1)**2 = 1
    value = ABLoss(reduction='mean', loss_weight=1.0)([STUDENT, second_s],
                                                       [TEACHER, second_t]).item()
    assert value == pytest.approx(0.5 * ELEMENT_SUM / 6 + 1.0, rel=1e-6)
    three = ABLoss(loss_weight=1.0)([second_s] * 3, [second_t] * 3).item()
    assert three == pytest.approx(0.25 + 0.5 + 1.0, rel=1e-6)


def test_explicit_stage_weights():
    second_s, second_t = torch.tensor([[0.]]), torch.tensor([[1.]])
    loss = ABLoss(stage_weights=[2.0, 3.0], loss_weight=1.0)
    value = loss([STUDENT, second_s], [TEACHER, second_t]).item()
    assert value == pytest.approx(2.0 * ELEMENT_SUM / 2 + 3.0, rel=1e-6)
    with pytest.raises(ValueError, match='stage weights'):
        loss([STUDENT], [TEACHER])


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
    with pytest.raises(ValueError, match="reduction.*'sum'.*'batchmean'"):
        ABLoss(reduction='sum')


def test_registry_builds_with_the_authors_defaults():
    loss = MODELS.build(dict(type='ABLoss', margin=2.0))
    assert isinstance(loss, ABLoss) and loss.margin == 2.0
    assert loss.reduction == 'batchmean' and loss.loss_weight == 3e-3

import pytest
import torch

from sfkd.models.losses import OFDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

# margin -0.5, target T = max(t, -0.5); skipped where s <= T and T <= 0:
#   t=1, s=0:       T=1 > 0, kept             -> 1
#   t=-1, s=-2:     T=-0.5, s <= T, skipped    -> 0
#   t=-1, s=0:      T=-0.5, s > T, kept        -> 0.25
#   t=-0.2, s=-0.3: T=-0.2, s <= T, skipped    -> 0
#   t=-0.2, s=1:    T=-0.2, s > T, kept        -> 1.44
#   t=0, s=-1:      T=0, s <= T, skipped       -> 0
STUDENT = torch.tensor([[0., -2., 0.], [-0.3, 1., -1.]], dtype=torch.float64)
TEACHER = torch.tensor([[1., -1., -1.], [-0.2, -0.2, 0.]], dtype=torch.float64)


def test_exact_value_scalar_margin():
    value = OFDLoss(margin=-0.5)(STUDENT, TEACHER).item()
    assert value == pytest.approx((1 + 0.25 + 1.44) / 2, rel=1e-10)


def test_exact_value_per_channel_margin():
    # channel 0 (margin -0.5) holds row 0 above; channel 1 (margin -2) holds row 1:
    #   t=-0.2, s=-0.3: T=-0.2 skipped; t=-0.2, s=1: 1.44; t=0, s=-1: skipped
    # plus a second image where t=-3, s=-1 on both channels:
    #   channel 0: T=-0.5, s <= T, skipped; channel 1: T=-2, s > T, kept: (-1 + 2)**2 = 1
    student = torch.zeros(2, 2, 1, 3, dtype=torch.float64)
    teacher = torch.zeros(2, 2, 1, 3, dtype=torch.float64)
    student[0, :, 0], teacher[0, :, 0] = STUDENT, TEACHER
    student[1, :, 0, 0], teacher[1, :, 0, 0] = -1.0, -3.0
    student[1, :, 0, 1:], teacher[1, :, 0, 1:] = -5.0, -5.0  # skipped on both channels
    value = OFDLoss(margin=[-0.5, -2.0])(student, teacher).item()
    assert value == pytest.approx((1 + 0.25 + 1.44 + 1) / 2, rel=1e-10)


def test_margin_is_a_saved_buffer():
    loss = OFDLoss(margin=torch.tensor([-0.5, -2.0]))
    torch.testing.assert_close(loss.state_dict()['margin'], torch.tensor([-0.5, -2.0]))
    assert not any(True for _ in loss.parameters())


def test_loss_weight_scales():
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(OFDLoss(-0.3, loss_weight=1e-3)(s, t), 1e-3 * OFDLoss(-0.3)(s, t))


def test_zero_when_equal():
    x = torch.randn(2, 3, 4, 4)
    assert OFDLoss(margin=-torch.rand(3))(x, x.clone()).item() == 0.0


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    OFDLoss(margin=-0.5)(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(2, 6, 4, 4\)'):
        OFDLoss(margin=-0.5)(torch.randn(2, 3, 4, 4), torch.randn(2, 6, 4, 4))


def test_margin_channel_mismatch_and_bad_margin():
    with pytest.raises(ValueError, match=r'2 per-channel margins.*\(2, 3, 4, 4\)'):
        OFDLoss(margin=[-1.0, -1.0])(torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match='margin'):
        OFDLoss(margin=torch.zeros(2, 2))


def test_registry_builds():
    loss = MODELS.build(dict(type='OFDLoss', margin=[-1.0, -2.0]))
    assert isinstance(loss, OFDLoss) and loss.margin.tolist() == [-1.0, -2.0]

import numpy as np
import pytest
import torch

from sfkd.models.losses import NSTLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def reference_nst(student, teacher, degree=2, bias=0.0):
    """Plain-loop squared MMD between position-normalised channels, batch mean."""
    s = np.asarray(student, dtype=np.float64)
    t = np.asarray(teacher, dtype=np.float64)
    s = s.reshape(s.shape[0], s.shape[1], -1)
    t = t.reshape(t.shape[0], t.shape[1], -1)

    def kernel_mean(a, b):
        values = [(float(np.dot(x / np.linalg.norm(x), y / np.linalg.norm(y))) + bias)**degree
                  for x in a for y in b]
        return sum(values) / len(values)

    per_image = [kernel_mean(t[n], t[n]) + kernel_mean(s[n], s[n]) - 2 * kernel_mean(s[n], t[n])
                 for n in range(len(s))]
    return sum(per_image) / len(per_image)


def test_exact_value_hand_derived():
    # channels over two positions; normalised: s1 = (1, 0), s2 = (0, 1), t1 = (1, 0)
    student = torch.tensor([[[[3., 0.]], [[0., 2.]]]])
    teacher = torch.tensor([[[[5., 0.]]]])
    # k(t, t) = 1; k(s, s) = mean(1, 0, 0, 1) = 0.5; k(s, t) = mean(1, 0) = 0.5
    assert NSTLoss()(student, teacher).item() == pytest.approx(1 + 0.5 - 2 * 0.5, rel=1e-6)


@pytest.mark.parametrize('degree,bias', [(2, 0.0), (3, 1.0)])
def test_matches_loop_reference(degree, bias):
    torch.manual_seed(0)
    student = torch.randn(2, 3, 2, 3, dtype=torch.float64)
    teacher = torch.randn(2, 2, 2, 3, dtype=torch.float64)
    value = NSTLoss(degree=degree, bias=bias)(student, teacher).item()
    assert value == pytest.approx(reference_nst(student, teacher, degree, bias), rel=1e-10)


def test_list_of_stages_is_summed():
    torch.manual_seed(1)
    f64 = dict(dtype=torch.float64)
    s = [torch.randn(2, 3, 2, 2, **f64), torch.randn(2, 4, 1, 3, **f64)]
    t = [torch.randn(2, 5, 2, 2, **f64), torch.randn(2, 2, 1, 3, **f64)]
    expected = reference_nst(s[0], t[0]) + reference_nst(s[1], t[1])
    assert NSTLoss()(s, t).item() == pytest.approx(expected, rel=1e-10)


def test_larger_map_is_average_pooled():
    torch.manual_seed(2)
    student = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    teacher = torch.randn(2, 2, 2, 2, dtype=torch.float64)
    pooled = student.numpy().reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5))
    assert NSTLoss()(student, teacher).item() == pytest.approx(
        reference_nst(pooled, teacher), rel=1e-10)


def test_zero_for_equal_or_channel_permuted_maps():
    x = torch.randn(2, 4, 3, 3, dtype=torch.float64)
    assert NSTLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)
    assert NSTLoss()(x[:, [2, 0, 3, 1]], x).item() == pytest.approx(0.0, abs=1e-12)


def test_loss_weight_scales():
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4)
    torch.testing.assert_close(NSTLoss(loss_weight=50.0)(s, t), 50.0 * NSTLoss()(s, t))


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    NSTLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(3, 3, 4, 4\)'):
        NSTLoss()(torch.randn(2, 3, 4, 4), torch.randn(3, 3, 4, 4))


def test_registry_builds():
    loss = MODELS.build(dict(type='NSTLoss'))
    assert isinstance(loss, NSTLoss) and (loss.degree, loss.bias) == (2, 0.0)

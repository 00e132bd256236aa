import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import RKDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def smooth_l1(x):
    return 0.5 * x * x if abs(x) < 1 else abs(x) - 0.5


def reference_rkd(student, teacher, w_d=25.0, w_a=50.0):
    """Plain-loop RKD: mean-normalised distances and triplet-angle cosines."""
    def distances(x):
        n = len(x)
        d = [[float(np.linalg.norm(x[i] - x[j])) for j in range(n)] for i in range(n)]
        mean = sum(v for row in d for v in row if v > 0) / sum(
            1 for row in d for v in row if v > 0)
        return [[v / mean for v in row] for row in d]

    def angles(x):
        n = len(x)

        def unit(i, j):
            v = x[j] - x[i]
            norm = np.linalg.norm(v)
            return v / norm if norm > 0 else v

        return [float(np.dot(unit(i, j), unit(i, k)))
                for i in range(n) for j in range(n) for k in range(n)]

    s = np.asarray(student, dtype=np.float64).reshape(len(student), -1)
    t = np.asarray(teacher, dtype=np.float64).reshape(len(teacher), -1)
    d_s, d_t = distances(s), distances(t)
    n = len(s)
    loss_d = sum(smooth_l1(d_s[i][j] - d_t[i][j]) for i in range(n) for j in range(n)) / n**2
    a_s, a_t = angles(s), angles(t)
    loss_a = sum(smooth_l1(a - b) for a, b in zip(a_s, a_t)) / n**3
    return w_d * loss_d + w_a * loss_a


# right triangle (0,0), (1,0), (0,1) against (0,0), (2,0), (0,1)
STUDENT = torch.tensor([[0., 0.], [1., 0.], [0., 1.]], dtype=torch.float64)
TEACHER = torch.tensor([[0., 0.], [2., 0.], [0., 1.]], dtype=torch.float64)


def test_exact_distance_part_hand_derived():
    r2, r5 = math.sqrt(2), math.sqrt(5)
    mean_s = 2 * (1 + 1 + r2) / 6  # mean over the six off-diagonal entries
    mean_t = 2 * (2 + 1 + r5) / 6
    diffs = [1 / mean_s - 2 / mean_t, 1 / mean_s - 1 / mean_t, r2 / mean_s - r5 / mean_t]
    expected = 2 * sum(smooth_l1(d) for d in diffs) / 9  # each pair twice, 9 entries
    value = RKDLoss(w_d=1.0, w_a=0.0)(STUDENT, TEACHER).item()
    assert value == pytest.approx(expected, rel=1e-10)


def test_exact_angle_part_hand_derived():
    r2, r5 = math.sqrt(2), math.sqrt(5)
    # cosines at the vertices: student 0, 1/sqrt2, 1/sqrt2; teacher 0, 2/sqrt5, 1/sqrt5
    # each appears for (j, k) and (k, j); j == k entries are 1 on both sides
    expected = 2 * (smooth_l1(1 / r2 - 2 / r5) + smooth_l1(1 / r2 - 1 / r5)) / 27
    value = RKDLoss(w_d=0.0, w_a=1.0)(STUDENT, TEACHER).item()
    assert value == pytest.approx(expected, rel=1e-10)


def test_exact_total_matches_loop_reference():
    torch.manual_seed(0)
    student = torch.randn(5, 3, dtype=torch.float64)
    teacher = torch.randn(5, 2, 2, dtype=torch.float64)
    teacher[0] += 20  # an outlier: some normalised distances differ by > 1 (linear branch)
    assert RKDLoss()(student, teacher).item() == pytest.approx(
        reference_rkd(student, teacher), rel=1e-8)
    assert RKDLoss()(STUDENT, TEACHER).item() == pytest.approx(
        reference_rkd(STUDENT, TEACHER), rel=1e-8)


def test_invariant_to_student_scale_and_translation():
    torch.manual_seed(1)
    s, t = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    torch.testing.assert_close(RKDLoss()(3 * s + 1, t), RKDLoss()(s, t))


def test_two_samples_carry_no_relation():
    assert RKDLoss()(torch.randn(2, 3), torch.randn(2, 3)).item() == pytest.approx(0.0, abs=1e-6)


def test_loss_weight_scales():
    s, t = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(RKDLoss(loss_weight=0.5)(s, t), 0.5 * RKDLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(4, 3, dtype=torch.float64)
    assert RKDLoss()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_reaches_student_only_and_is_finite_for_duplicates():
    student = torch.randn(4, 3)
    student[1] = student[0]  # coinciding samples must not give NaN gradients
    student.requires_grad_()
    teacher = torch.randn(4, 3, requires_grad=True)
    RKDLoss()(student, teacher).backward()
    assert torch.isfinite(student.grad).all() and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_and_single_sample_raise():
    with pytest.raises(ValueError, match=r'\(4, 3\).*\(5, 3\)'):
        RKDLoss()(torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(ValueError, match='two samples'):
        RKDLoss()(torch.randn(1, 3), torch.randn(1, 3))


def test_registry_builds():
    loss = MODELS.build(dict(type='RKDLoss'))
    assert isinstance(loss, RKDLoss) and (loss.w_d, loss.w_a) == (25.0, 50.0)

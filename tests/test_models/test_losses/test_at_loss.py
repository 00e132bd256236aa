import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import ATLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def reference_at(student, teacher, p=2.0):
    """Plain-loop attention transfer on equally sized (N, C, H, W) arrays."""
    s, t = np.asarray(student, dtype=np.float64), np.asarray(teacher, dtype=np.float64)
    n, _, h, w = s.shape
    total = 0.0
    for i in range(n):
        maps = []
        for f in (s[i], t[i]):
            q = [np.mean(np.abs(f[:, y, x])**p) for y in range(h) for x in range(w)]
            norm = math.sqrt(sum(v * v for v in q))
            maps.append([v / norm for v in q])
        total += sum((a - b)**2 for a, b in zip(*maps))
    return total / (n * h * w)


def test_exact_value_hand_derived():
    # channel 0 = [[1, 0], [0, 1]], channel 1 = [[1, 2], [0, 0]]
    student = torch.tensor([[[[1., 0.], [0., 1.]], [[1., 2.], [0., 0.]]]])
    teacher = torch.ones(1, 3, 2, 2)
    # mean of squares over channels per position: 1, 2, 0, 0.5
    norm = math.sqrt(1 + 4 + 0 + 0.25)
    a_s = [1 / norm, 2 / norm, 0.0, 0.5 / norm]
    a_t = [0.5] * 4  # a constant map normalises to 1 / sqrt(4)
    expected = sum((a - b)**2 for a, b in zip(a_s, a_t)) / 4
    assert ATLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize('p', [2.0, 4.0])
def test_matches_loop_reference(p):
    torch.manual_seed(0)
    student = torch.randn(2, 3, 3, 2, dtype=torch.float64)
    teacher = torch.randn(2, 5, 3, 2, dtype=torch.float64)
    assert ATLoss(p=p)(student, teacher).item() == pytest.approx(
        reference_at(student, teacher, p), rel=1e-10)


def test_list_of_stages_is_summed():
    torch.manual_seed(1)
    f64 = dict(dtype=torch.float64)
    s = [torch.randn(2, 3, 4, 4, **f64), torch.randn(2, 4, 2, 2, **f64)]
    t = [torch.randn(2, 6, 4, 4, **f64), torch.randn(2, 8, 2, 2, **f64)]
    expected = reference_at(s[0], t[0]) + reference_at(s[1], t[1])
    assert ATLoss()(s, t).item() == pytest.approx(expected, rel=1e-10)
    assert ATLoss()(tuple(s), tuple(t)).item() == pytest.approx(expected, rel=1e-10)


def test_larger_map_is_average_pooled():
    torch.manual_seed(2)
    student = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    teacher = torch.randn(2, 3, 2, 2, dtype=torch.float64)
    pooled = student.numpy().reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5))  # 2x2 blocks
    expected = reference_at(pooled, teacher)
    assert ATLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-10)
    assert ATLoss()(teacher, student).item() == pytest.approx(
        reference_at(teacher, pooled), rel=1e-10)


def test_loss_weight_scales():
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(ATLoss(loss_weight=1000.0)(s, t), 1000.0 * ATLoss()(s, t))


def test_zero_when_equal():
    x = torch.randn(2, 3, 4, 4)
    assert ATLoss()(x, x.clone()).item() == 0.0


def test_gradient_reaches_student_only():
    student = torch.randn(2, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    ATLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\).*\(3, 3, 4, 4\)'):
        ATLoss()(torch.randn(2, 3, 4, 4), torch.randn(3, 3, 4, 4))


def test_rejects_vectors_and_unequal_stage_counts():
    with pytest.raises(ValueError, match=r'\(2, 3\)'):
        ATLoss()(torch.randn(2, 3), torch.randn(2, 3))
    with pytest.raises(ValueError, match='stages'):
        ATLoss()([torch.randn(2, 3, 4, 4)] * 2, [torch.randn(2, 3, 4, 4)])


def test_registry_builds():
    loss = MODELS.build(dict(type='ATLoss', p=2))
    assert isinstance(loss, ATLoss) and loss.p == 2.0

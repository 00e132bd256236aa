"""Tests of HardLabelKDLoss (DeiT's hard-label distillation, Touvron et al. 2021)."""
import math

import pytest
import torch

from sfkd.models.losses import HardLabelKDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

STUDENT = [[1.0, 2.0, 0.5, -0.3], [-1.0, 0.0, 3.0, 0.2], [0.4, -2.0, 1.5, 1.0]]
TEACHER = [[0.3, 2.5, -1.0, 0.0], [2.0, 1.0, 0.0, -0.5], [1.2, -1.0, 0.5, 2.7]]


def reference(student, teacher):
    """mean over rows of -log softmax(s)[argmax t], with plain Python."""
    total = 0.0
    for s_row, t_row in zip(student, teacher):
        label = max(range(len(t_row)), key=lambda c: t_row[c])
        log_z = math.log(sum(math.exp(v) for v in s_row))
        total += log_z - s_row[label]
    return total / len(student)


def test_exact_value_against_reference():
    loss = HardLabelKDLoss(loss_weight=0.5)
    value = loss(torch.tensor(STUDENT, dtype=torch.float64),
                 torch.tensor(TEACHER, dtype=torch.float64))
    assert value.item() == pytest.approx(0.5 * reference(STUDENT, TEACHER), rel=1e-12)


def test_closed_form_two_classes():
    # the teacher picks class 0; the student is uniform: -log(1/2)
    value = HardLabelKDLoss()(torch.zeros(1, 2, dtype=torch.float64),
                              torch.tensor([[3.0, -1.0]], dtype=torch.float64))
    assert value.item() == pytest.approx(math.log(2), rel=1e-12)


def test_it_depends_only_on_the_teachers_decision():
    student = torch.tensor(STUDENT, dtype=torch.float64)
    teacher = torch.tensor(TEACHER, dtype=torch.float64)
    sharper = teacher * 7 + 3  # same argmax per row
    torch.testing.assert_close(HardLabelKDLoss()(student, teacher),
                               HardLabelKDLoss()(student, sharper), rtol=0, atol=0)


def test_gradient_is_softmax_minus_the_teachers_one_hot():
    student = torch.tensor(STUDENT, dtype=torch.float64, requires_grad=True)
    teacher = torch.tensor(TEACHER, dtype=torch.float64, requires_grad=True)
    HardLabelKDLoss()(student, teacher).backward()
    expected = []
    for s_row, t_row in zip(STUDENT, TEACHER):
        label = max(range(len(t_row)), key=lambda c: t_row[c])
        z = sum(math.exp(v) for v in s_row)
        expected.append([(math.exp(v) / z - (c == label)) / len(STUDENT)
                         for c, v in enumerate(s_row)])
    torch.testing.assert_close(student.grad, torch.tensor(expected, dtype=torch.float64),
                               rtol=1e-12, atol=0)
    assert teacher.grad is None  # the teacher's argmax carries no gradient


def test_dense_logits_use_dim1_as_classes():
    # (N=1, C=4, H=1, W=3): position j holds row j of STUDENT / TEACHER
    student = torch.tensor(STUDENT, dtype=torch.float64).t().reshape(1, 4, 1, 3)
    teacher = torch.tensor(TEACHER, dtype=torch.float64).t().reshape(1, 4, 1, 3)
    assert HardLabelKDLoss()(student, teacher).item() == pytest.approx(
        reference(STUDENT, TEACHER), rel=1e-12)


def test_shapes_must_match_and_it_is_registered():
    with pytest.raises(ValueError, match=r'student \(2, 3\) and teacher \(2, 4\) logits differ'):
        HardLabelKDLoss()(torch.zeros(2, 3), torch.zeros(2, 4))
    assert isinstance(MODELS.build(dict(type='HardLabelKDLoss')), HardLabelKDLoss)

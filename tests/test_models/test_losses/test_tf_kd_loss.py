"""Tests of TeacherFreeKDLoss (Tf-KD_reg, Yuan et al., CVPR 2020): values by hand."""
import math

import pytest
import torch

from sfkd.models.losses import TeacherFreeKDLoss
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def test_target_distribution_by_hand():
    loss = TeacherFreeKDLoss(correct_prob=0.7, soften_target=False)
    q = loss.target_distribution(torch.tensor([2, 0]), 4)
    # a = 0.7 on the label, (1 - 0.7) / 3 = 0.1 on each other class
    assert q.flatten().tolist() == pytest.approx([0.1, 0.1, 0.7, 0.1, 0.7, 0.1, 0.1, 0.1])


def test_softened_target_by_hand():
    # 3 classes, a = 0.8, tau = 2: q = [0.8, 0.1, 0.1] as logits / 2 -> softmax
    loss = TeacherFreeKDLoss(correct_prob=0.8, tau=2.0)
    q = loss.target_distribution(torch.tensor([0]), 3)[0].tolist()
    e_hi, e_lo = math.exp(0.4), math.exp(0.05)
    z = e_hi + 2 * e_lo
    assert q == pytest.approx([e_hi / z, e_lo / z, e_lo / z], rel=1e-6)


def test_loss_value_unsoftened_two_classes_by_hand():
    # K = 2, a = 0.75: q = [0.75, 0.25]; student logits 0 -> p = [1/2, 1/2] at any tau
    tau = 3.0
    loss = TeacherFreeKDLoss(correct_prob=0.75, tau=tau, soften_target=False, loss_weight=2.0)
    value = loss(torch.zeros(1, 2, dtype=torch.float64), torch.tensor([0]))
    kl = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert value.item() == pytest.approx(2.0 * tau**2 * kl, rel=1e-6)


def test_loss_value_softened_against_loops():
    student = [[1.0, -0.5, 2.0], [0.0, 3.0, -1.0]]
    labels = [2, 1]
    a, tau = 0.9, 4.0

    def softmax(row):
        exps = [math.exp(v) for v in row]
        return [e / sum(exps) for e in exps]

    total = 0.0
    for row, y in zip(student, labels):
        q = softmax([(a if k == y else (1 - a) / 2) / tau for k in range(3)])
        p = softmax([v / tau for v in row])
        total += sum(qk * math.log(qk / pk) for qk, pk in zip(q, p))
    expected = tau**2 * total / 2
    value = TeacherFreeKDLoss(correct_prob=a, tau=tau)(
        torch.tensor(student, dtype=torch.float64), torch.tensor(labels))
    assert value.item() == pytest.approx(expected, rel=1e-6)


def test_minimum_at_the_target():
    # logits equal to tau * log q reproduce q at temperature tau: the KL is zero
    loss = TeacherFreeKDLoss(correct_prob=0.6, tau=2.0, soften_target=False)
    q = torch.tensor([[0.6, 0.2, 0.2]], dtype=torch.float64)
    assert loss(2.0 * q.log(), torch.tensor([0])).item() == pytest.approx(0.0, abs=1e-9)


def test_bad_inputs():
    with pytest.raises(BadConfigError, match='correct_prob must be < 1'):
        TeacherFreeKDLoss(correct_prob=1.0)
    with pytest.raises(ValueError, match="route it from 'data.gt_label'"):
        TeacherFreeKDLoss()(torch.zeros(2, 3), torch.zeros(2, 3))

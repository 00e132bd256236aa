"""Tests of AdversarialKDLoss (LW-KD's adversarial term) against separately written formulas."""
import math

import pytest
import torch
from torch import nn

from sfkd.models.discriminators import OutputDiscriminator
from sfkd.models.losses import AdversarialKDLoss
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


class Affine(nn.Module):
    """D(p) = w . p + b, a discriminator whose scores are easy to write down."""

    def __init__(self, w, b):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))

    def forward(self, p):
        return p @ self.w + self.b


def _softmax(row, tau):
    exps = [math.exp(v / tau) for v in row]
    return [e / sum(exps) for e in exps]


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_terms_against_the_formulas():
    w, b, tau = [2.0, -1.0, 0.5], 0.25, 2.0
    student = [[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]]
    teacher = [[3.0, 0.0, 0.0], [0.0, 0.0, 4.0]]
    loss = AdversarialKDLoss(discriminator=Affine(w, b), tau=tau, loss_weight=0.5)

    def score(row):
        return sum(wi * pi for wi, pi in zip(w, _softmax(row, tau))) + b

    gen = -sum(math.log(_sigmoid(score(r))) for r in student) / 2
    real = -sum(math.log(_sigmoid(score(r))) for r in teacher) / 2
    fake = -sum(math.log(1 - _sigmoid(score(r))) for r in student) / 2

    value = loss(torch.tensor(student, dtype=torch.float64),
                 torch.tensor(teacher, dtype=torch.float64))
    assert value.item() == pytest.approx(0.5 * gen, rel=1e-9)
    disc = loss.discriminator_losses()
    assert disc['loss_real'].item() == pytest.approx(real, rel=1e-9)
    assert disc['loss_fake'].item() == pytest.approx(fake, rel=1e-9)


def test_discriminator_terms_do_not_reach_the_student_or_teacher():
    student = torch.randn(4, 3, requires_grad=True)
    teacher = torch.randn(4, 3, requires_grad=True)
    loss = AdversarialKDLoss(discriminator=dict(type='OutputDiscriminator', num_classes=3))
    loss(student, teacher)
    sum(loss.discriminator_losses().values()).backward()
    assert student.grad is None and teacher.grad is None
    assert all(p.grad is not None for p in loss.discriminator.parameters())


def test_generator_term_trains_the_student_only_through_the_student():
    student = torch.randn(4, 3, requires_grad=True)
    teacher = torch.randn(4, 3, requires_grad=True)
    AdversarialKDLoss(discriminator=OutputDiscriminator(3))(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_bad_inputs():
    with pytest.raises(BadConfigError, match='discriminator must be a module config'):
        AdversarialKDLoss(discriminator=None)
    loss = AdversarialKDLoss(discriminator=OutputDiscriminator(4))
    with pytest.raises(ValueError, match='set discriminator.num_classes'):
        loss(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(RuntimeError, match='needs a forward pass first'):
        AdversarialKDLoss(discriminator=OutputDiscriminator(3)).discriminator_losses()

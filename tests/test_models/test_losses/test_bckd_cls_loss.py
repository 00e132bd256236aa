"""BCKDClsLoss: exact values on tiny class maps against a plain-Python derivation.

The reference below loops over every level, image, location, anchor and class
with ``math`` only: ``p = sigmoid(s)``, ``q = sigmoid(t)`` and the term
``|q - p| ** beta * (-q log p - (1 - q) log(1 - p))``; the divisor is the
number of images, of predictions, or the sum of the teacher's highest class
probability over the predictions. Gradients are checked against central
differences of that reference.
"""
import math

import pytest
import torch

from sfkd.models.losses import BCKDClsLoss
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def reference(student, teacher, beta, classes, normalize):
    """The loss from nested lists ``[level][n][k][h][w]``; ``classes`` per anchor."""
    total, predictions, teacher_mass = 0.0, 0, 0.0
    images = len(student[0])
    for s_level, t_level in zip(student, teacher):
        channels = len(s_level[0])
        height, width = len(s_level[0][0]), len(s_level[0][0][0])
        anchors = channels // classes
        for n in range(images):
            for h in range(height):
                for w in range(width):
                    for a in range(anchors):
                        predictions += 1
                        best = 0.0
                        for c in range(classes):
                            k = a * classes + c
                            p = sigmoid(s_level[n][k][h][w])
                            q = sigmoid(t_level[n][k][h][w])
                            bce = -q * math.log(p) - (1 - q) * math.log(1 - p)
                            total += abs(q - p) ** beta * bce
                            best = max(best, q)
                        teacher_mass += best
    z = dict(images=images, predictions=predictions,
             teacher_score=max(teacher_mass, 1.0))[normalize]
    return total / z


def maps(seed):
    """Two levels: (2, 4, 1, 2) and (2, 4, 1, 1) logits (2 anchors x 2 classes)."""
    g = torch.Generator().manual_seed(seed)
    return [3 * torch.randn(2, 4, 1, 2, generator=g, dtype=torch.float64),
            3 * torch.randn(2, 4, 1, 1, generator=g, dtype=torch.float64)]


@pytest.mark.parametrize('normalize', ['images', 'predictions', 'teacher_score'])
@pytest.mark.parametrize('beta', [0.0, 1.0, 2.0])
def test_value_matches_the_hand_derivation(beta, normalize):
    student, teacher = maps(0), maps(1)
    loss = BCKDClsLoss(beta=beta, num_classes=2, normalize=normalize, loss_weight=1.5)
    expected = reference([s.tolist() for s in student], [t.tolist() for t in teacher],
                         beta, 2, normalize)
    assert loss(student, teacher).item() == pytest.approx(1.5 * expected, rel=1e-12)


def test_one_map_is_one_level_and_anchors_default_to_one():
    student, teacher = maps(2)[0], maps(3)[0]
    expected = reference([student.tolist()], [teacher.tolist()], 1.0, 4, 'teacher_score')
    assert BCKDClsLoss()(student, teacher).item() == pytest.approx(expected, rel=1e-12)
    # 2 anchors x 2 classes give another teacher mass than 4 classes at one anchor
    two = reference([student.tolist()], [teacher.tolist()], 1.0, 2, 'teacher_score')
    assert two != pytest.approx(expected)
    assert BCKDClsLoss(num_classes=2)(student, teacher).item() == pytest.approx(two, rel=1e-12)


def test_equal_scores_give_zero():
    student = maps(4)
    assert BCKDClsLoss()(student, [s.clone() for s in student]).item() == 0.0


def test_gradient_matches_central_differences_and_the_teacher_gets_none():
    student = [s.requires_grad_() for s in maps(5)]
    teacher = [t.requires_grad_() for t in maps(6)]
    BCKDClsLoss(beta=1.0, num_classes=2, normalize='images')(student, teacher).backward()
    assert all(t.grad is None for t in teacher)
    t_lists = [t.detach().tolist() for t in teacher]
    step = 1e-6
    for level, s in enumerate(student):
        flat = s.detach().flatten()
        for i in range(flat.numel()):
            values = []
            for sign in (1, -1):
                moved = flat.clone()
                moved[i] += sign * step
                levels = [x.detach().tolist() for x in student]
                levels[level] = moved.view_as(s).tolist()
                values.append(reference(levels, t_lists, 1.0, 2, 'images'))
            numeric = (values[0] - values[1]) / (2 * step)
            assert s.grad.flatten()[i].item() == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_options_and_shapes_are_checked():
    with pytest.raises(BadConfigError, match=r"^BCKDClsLoss normalize must be one of "
                       r"\['images', 'predictions', 'teacher_score'\], got 'mean'$"):
        BCKDClsLoss(normalize='mean')
    with pytest.raises(BadConfigError, match=r'^beta must be >= 0 '):
        BCKDClsLoss(beta=-1)
    with pytest.raises(BadConfigError, match=r'^num_classes must be >= 1 '):
        BCKDClsLoss(num_classes=0)
    with pytest.raises(ValueError, match=r'with C = 3, got \(2, 4, 1, 2\)'):
        BCKDClsLoss(num_classes=3)(maps(0), maps(1))
    with pytest.raises(ValueError, match='2 student levels but 1 teacher levels'):
        BCKDClsLoss()(maps(0), maps(1)[:1])

"""Tests of NKDLoss (Yang et al., ICCV 2023): exact values against plain-Python loops and
closed forms, the normalisation's effect on the gradient, and its inputs."""
import math

import pytest
import torch

from sfkd.models.losses import NKDLoss
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

STUDENT = [[1.0, 2.0, 0.5, -0.3], [-1.0, 0.0, 3.0, 0.4], [0.2, 0.1, -2.0, 1.5]]
TEACHER = [[0.3, 2.5, -1.0, 0.0], [2.0, 1.0, 0.0, 4.0], [-0.5, 3.0, 1.0, 0.5]]
LABELS = [1, 3, 0]


def softmax(row, tau=1.0):
    exps = [math.exp(v / tau) for v in row]
    return [e / sum(exps) for e in exps]


def ref_nkd(student, teacher, labels, tau, gamma):
    """mean_n [-T_t log S_t - gamma tau^2 sum_{i != t} N(T^tau)_i log N(S^tau)_i], by hand."""
    total = 0.0
    for s, t, y in zip(student, teacher, labels):
        s_t, t_t = softmax(s)[y], softmax(t)[y]
        p_s, p_t = softmax(s, tau), softmax(t, tau)
        rest_s = [p / (1 - p_s[y]) for i, p in enumerate(p_s) if i != y]
        rest_t = [p / (1 - p_t[y]) for i, p in enumerate(p_t) if i != y]
        non = -sum(a * math.log(b) for a, b in zip(rest_t, rest_s))
        total += -t_t * math.log(s_t) + gamma * tau**2 * non
    return total / len(student)


def tensors(grad=False):
    s = torch.tensor(STUDENT, dtype=torch.float64, requires_grad=grad)
    return s, torch.tensor(TEACHER, dtype=torch.float64), torch.tensor(LABELS)


@pytest.mark.parametrize('tau, gamma', [(1.0, 1.5), (3.0, 3.5), (0.5, 0.0)])
def test_exact_value_against_reference(tau, gamma):
    s, t, y = tensors()
    got = NKDLoss(tau=tau, gamma=gamma)(s, t, target=y).item()
    assert got == pytest.approx(ref_nkd(STUDENT, TEACHER, LABELS, tau, gamma), rel=1e-12)


def test_two_classes_leave_the_target_term_alone():
    # one non-target class: its normalised probability is 1 on both sides, log 1 = 0
    s = torch.tensor([[0.0, math.log(3.0)]], dtype=torch.float64)  # S = [1/4, 3/4]
    t = torch.tensor([[math.log(4.0), 0.0]], dtype=torch.float64)  # T = [4/5, 1/5]
    loss = NKDLoss(tau=2.0, gamma=5.0)(s, t, target=torch.tensor([0]))
    assert loss.item() == pytest.approx(-0.8 * math.log(0.25), rel=1e-12)


def test_non_target_term_is_the_cross_entropy_of_the_renormalised_rows():
    # three classes, label 0: non-target teacher [e^1, e^0] / (e + 1) against uniform student
    s = torch.tensor([[5.0, 0.0, 0.0]], dtype=torch.float64)
    t = torch.tensor([[0.0, 1.0, 0.0]], dtype=torch.float64)
    p = math.e / (math.e + 1)
    s_0 = math.exp(5.0) / (math.exp(5.0) + 2)
    t_0 = 1 / (math.e + 2)
    expected = -t_0 * math.log(s_0) + 1.5 * (-(p + (1 - p)) * math.log(0.5))
    loss = NKDLoss(tau=1.0, gamma=1.5)(s, t, target=torch.tensor([0]))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


def test_matching_non_target_relations_give_no_non_target_gradient():
    # the student's non-target logits equal the teacher's up to a shift (their sums of
    # probabilities differ): after normalisation the two agree, so gamma changes nothing
    _, t, y = tensors()
    s = t + 1.7
    for n, label in enumerate(LABELS):
        s[n, label] = STUDENT[n][label]
    s.requires_grad_(True)
    grads = []
    for gamma in (0.0, 4.0):
        g, = torch.autograd.grad(NKDLoss(tau=2.0, gamma=gamma)(s, t, target=y), s)
        grads.append(g)
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=1e-12)
    # while plain KD would keep pulling the non-target logits
    kd = MODELS.build(dict(type='KDLoss', tau=2.0))
    g_kd, = torch.autograd.grad(kd(s, t), s)
    assert g_kd.abs().max() > 1e-3


def test_target_term_gradient_by_hand():
    # gamma=0: d/ds_k of -mean T_t log S_t = -T_t (1[k=t] - S_k) / N
    s, t, y = tensors(grad=True)
    NKDLoss(gamma=0.0)(s, t, target=y).backward()
    for n, label in enumerate(LABELS):
        p_s, t_t = softmax(STUDENT[n]), softmax(TEACHER[n])[label]
        expected = [-t_t * ((k == label) - p_s[k]) / 3 for k in range(4)]
        assert s.grad[n].tolist() == pytest.approx(expected, rel=1e-12)


def test_teacher_is_detached():
    s, t, y = tensors(grad=True)
    t.requires_grad_(True)
    NKDLoss()(s, t, target=y).backward()
    assert s.grad is not None and t.grad is None


def test_loss_weight_scales_and_registry_builds():
    s, t, y = tensors()
    base = NKDLoss()(s, t, target=y)
    scaled = MODELS.build(dict(type='NKDLoss', loss_weight=2.5))(s, t, target=y)
    torch.testing.assert_close(scaled, 2.5 * base)
    assert NKDLoss.extra_inputs() == {'target'}


def test_inputs_are_checked():
    s, t, y = tensors()
    with pytest.raises(ValueError, match=r'differ in shape'):
        NKDLoss()(s, t[:, :3], target=y)
    with pytest.raises(ValueError, match=r"target must be the class labels \(N,\) = \(3,\) as "
                                         r"integers \(route it from 'data.gt_label'\)"):
        NKDLoss()(s, t, target=y.double())
    with pytest.raises(BadConfigError, match=r'^gamma must be >= 0 \(the weight of the '
                                             r'non-target term\), got -1$'):
        NKDLoss(gamma=-1)

"""Tests of OFALoss (Hao et al., NeurIPS 2023): exact values, the enhanced target, gradients."""
import math

import pytest
import torch

from sfkd.models.losses import OFALoss
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

STUDENT = [[1.0, 2.0, 0.5, -0.5], [-1.0, 0.0, 3.0, 1.0], [0.2, -0.4, 0.0, 2.2]]
TEACHER = [[0.3, 2.5, -1.0, 1.5], [2.0, 1.0, 0.0, -2.0], [-0.5, 0.5, 1.0, 3.0]]
TARGET = [1, 2, 3]


def _softmax(row):
    exps = [math.exp(v) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _weights(t_row, gt, eps, tau):
    """The OFA soft labels of one row: (1 + p_t[y])^eps - 1 on the target, p_t[c]^eps else."""
    p_t = _softmax([v / tau for v in t_row])
    return [(1 + p) ** eps - 1 if c == gt else p ** eps for c, p in enumerate(p_t)]


def _reference(student, teacher, target, eps, tau):
    total = 0.0
    for s_row, t_row, gt in zip(student, teacher, target):
        p_s = _softmax([v / tau for v in s_row])
        total -= sum(w * math.log(p) for w, p in zip(_weights(t_row, gt, eps, tau), p_s))
    return total / len(student)


def _tensors(requires_grad=False):
    return (torch.tensor(STUDENT, dtype=torch.float64, requires_grad=requires_grad),
            torch.tensor(TEACHER, dtype=torch.float64, requires_grad=requires_grad),
            torch.tensor(TARGET))


@pytest.mark.parametrize('eps, tau', [(1.0, 1.0), (1.5, 1.0), (1.3, 2.0), (2.0, 0.5)])
def test_exact_value_against_reference(eps, tau):
    s, t, y = _tensors()
    expected = _reference(STUDENT, TEACHER, TARGET, eps, tau)
    assert OFALoss(eps=eps, tau=tau)(s, t, target=y).item() == pytest.approx(expected, rel=1e-12)


def test_hand_computed_two_class_row():
    # p_t = (3/4, 1/4) from logits (log 3, 0), target 0, eps 2; p_s = (1/2, 1/2)
    # weights: (1 + 3/4)^2 - 1 = 33/16 and (1/4)^2 = 1/16; loss = (34/16) log 2
    s = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    t = torch.tensor([[math.log(3.0), 0.0]], dtype=torch.float64)
    loss = OFALoss(eps=2.0)(s, t, target=torch.tensor([0]))
    assert loss.item() == pytest.approx(34 / 16 * math.log(2.0), rel=1e-12)


def test_eps_one_is_soft_label_cross_entropy():
    # w = p_t: the loss is KL(p_t || p_s) + H(p_t), i.e. KD without its tau^2 factor
    s, t, y = _tensors()
    tau = 2.0
    total = 0.0
    for s_row, t_row in zip(STUDENT, TEACHER):
        p_t = _softmax([v / tau for v in t_row])
        p_s = _softmax([v / tau for v in s_row])
        total += sum(a * math.log(a / b) for a, b in zip(p_t, p_s)) \
            - sum(a * math.log(a) for a in p_t)
    assert OFALoss(eps=1.0, tau=tau)(s, t, target=y).item() == \
        pytest.approx(total / len(STUDENT), rel=1e-12)


def test_with_task_cross_entropy_the_target_weight_is_one_plus_p_to_the_eps():
    # the enhanced target: CE + OFA at tau 1 weighs -log p_s[y] by (1 + p_t[y])^eps
    s, t, y = _tensors()
    eps = 1.4
    ofa = OFALoss(eps=eps)(s, t, target=y)
    ce = torch.nn.functional.cross_entropy(s, y)
    total = 0.0
    for s_row, t_row, gt in zip(STUDENT, TEACHER, TARGET):
        p_s, p_t = _softmax(s_row), _softmax(t_row)
        total -= (1 + p_t[gt]) ** eps * math.log(p_s[gt])
        total -= sum(p_t[c] ** eps * math.log(p_s[c]) for c in range(4) if c != gt)
    assert (ofa + ce).item() == pytest.approx(total / len(STUDENT), rel=1e-12)


@pytest.mark.parametrize('eps, tau', [(1.5, 1.0), (1.2, 3.0)])
def test_gradient_reaches_the_student_only_in_closed_form(eps, tau):
    # d/dz_j of -sum_c w_c log softmax(z / tau)_c is (sum_c w_c * p_s[j] - w_j) / tau per row
    s, t, y = _tensors(requires_grad=True)
    OFALoss(eps=eps, tau=tau, loss_weight=2.0)(s, t, target=y).backward()
    assert t.grad is None  # the teacher is detached
    n = len(STUDENT)
    for i, (s_row, t_row, gt) in enumerate(zip(STUDENT, TEACHER, TARGET)):
        w = _weights(t_row, gt, eps, tau)
        p_s = _softmax([v / tau for v in s_row])
        expected = [2.0 * (sum(w) * p - wj) / (tau * n) for p, wj in zip(p_s, w)]
        assert s.grad[i].tolist() == pytest.approx(expected, rel=1e-10, abs=1e-14)


def test_confident_teacher_gets_a_larger_target_weight():
    # the target weight (1 + p)^eps - 1 grows faster than p for eps > 1
    s = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([[4.0, 0.0, 0.0], [0.5, 0.0, 0.0]], dtype=torch.float64)
    OFALoss(eps=2.0)(s, t, target=torch.tensor([0, 0])).backward()
    p_conf, p_unsure = _softmax([4.0, 0.0, 0.0])[0], _softmax([0.5, 0.0, 0.0])[0]
    ratio = ((1 + p_conf) ** 2 - 1) / ((1 + p_unsure) ** 2 - 1)
    assert ratio > p_conf / p_unsure
    assert s.grad[0, 0] < s.grad[1, 0] < 0  # the confident row pulls its target up harder


def test_eps_below_one_is_refused():
    with pytest.raises(BadConfigError, match=r"^eps must be >= 1 \(OFA's modulating exponent "
                                             r'gamma; 1 is plain soft-label cross-entropy\), '
                                             r'got 0.5$'):
        OFALoss(eps=0.5)


def test_shapes_are_checked():
    s, t, y = _tensors()
    with pytest.raises(ValueError, match=r'logits \(N, C\) of one shape, got \(3, 4\) and '
                                         r'\(3, 3\)'):
        OFALoss()(s, t[:, :3], target=y)
    with pytest.raises(ValueError, match=r'one class index per row: 2 targets for 3 rows'):
        OFALoss()(s, t, target=y[:2])


def test_registered():
    loss = MODELS.build(dict(type='OFALoss', eps=1.5, tau=2.0))
    assert isinstance(loss, OFALoss) and (loss.eps, loss.tau) == (1.5, 2.0)
    assert OFALoss.extra_inputs() == {'target'}

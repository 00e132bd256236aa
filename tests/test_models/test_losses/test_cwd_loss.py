"""Tests of ChannelWiseDivergence (Shu et al., ICCV 2021)."""
import math

import pytest
import torch

from sfkd.models.losses import ChannelWiseDivergence
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _softmax(values, tau):
    exps = [math.exp(v / tau) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _reference_cwd(student, teacher, tau):
    """Loops over (n, c); each channel is a distribution over its H*W cells."""
    n, c = len(student), len(student[0])
    total = 0.0
    for i in range(n):
        for k in range(c):
            s_flat = [v for row in student[i][k] for v in row]
            t_flat = [v for row in teacher[i][k] for v in row]
            p_s, p_t = _softmax(s_flat, tau), _softmax(t_flat, tau)
            total += sum(pt * math.log(pt / ps) for pt, ps in zip(p_t, p_s))
    return tau**2 * total / (n * c)


# (N=1, C=2, H=2, W=2)
STUDENT = [[[[1.0, 2.0], [0.5, -0.5]], [[-1.0, 0.0], [3.0, 1.0]]]]
TEACHER = [[[[0.3, 2.5], [-1.0, 1.5]], [[2.0, 1.0], [0.0, -2.0]]]]


def _tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64),
            torch.tensor(TEACHER, dtype=torch.float64))


def test_closed_form_one_channel():
    # student uniform over 2 cells, teacher softmax(t / tau) = [3/4, 1/4]
    tau = 2.0
    s = torch.zeros(1, 1, 1, 2, dtype=torch.float64)
    t = torch.tensor([[[[tau * math.log(3.0), 0.0]]]], dtype=torch.float64)
    expected = tau**2 * (0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert ChannelWiseDivergence(tau=tau)(s, t).item() == pytest.approx(expected, rel=1e-9)


def test_exact_value_against_reference():
    s, t = _tensors()
    expected = _reference_cwd(STUDENT, TEACHER, 1.0)
    assert ChannelWiseDivergence()(s, t).item() == pytest.approx(expected, rel=1e-9)


def test_exact_value_batch_of_two_and_tau():
    student = STUDENT + [[[[0.0, 1.0], [1.0, 0.0]], [[2.0, -2.0], [0.5, 0.5]]]]
    teacher = TEACHER + [[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, -1.0]]]]
    s = torch.tensor(student, dtype=torch.float64)
    t = torch.tensor(teacher, dtype=torch.float64)
    expected = _reference_cwd(student, teacher, 4.0)
    assert ChannelWiseDivergence(tau=4.0)(s, t).item() == pytest.approx(expected, rel=1e-9)


def test_softmax_runs_over_space_not_channels():
    # a per-channel constant shift leaves every spatial softmax unchanged
    s, t = _tensors()
    shifted = s + torch.tensor([5.0, -3.0], dtype=torch.float64).view(1, 2, 1, 1)
    torch.testing.assert_close(ChannelWiseDivergence()(shifted, t),
                               ChannelWiseDivergence()(s, t))


def test_zero_when_student_equals_teacher():
    x = torch.randn(2, 3, 4, 4)
    assert ChannelWiseDivergence()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-6)


def test_loss_weight_scales():
    s, t = _tensors()
    torch.testing.assert_close(ChannelWiseDivergence(loss_weight=3.0)(s, t),
                               3.0 * ChannelWiseDivergence()(s, t))


def test_gradient_reaches_student_only():
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 3, 4, 4, requires_grad=True)
    ChannelWiseDivergence()(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None  # the teacher is detached


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        ChannelWiseDivergence()(torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 3))


def test_registry_builds():
    loss = MODELS.build(dict(type='ChannelWiseDivergence', tau=4.0))
    assert isinstance(loss, ChannelWiseDivergence)
    s, t = _tensors()
    assert loss(s, t).item() == pytest.approx(_reference_cwd(STUDENT, TEACHER, 4.0), rel=1e-9)

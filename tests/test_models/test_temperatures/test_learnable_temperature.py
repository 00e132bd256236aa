"""CTKD's learnable temperature (Li et al., AAAI 2023): its range, its cosine curriculum,
its exact values inside KD, and the reversed gradient that reaches it through any
temperature-scaled logit loss."""
import math

import pytest
import torch
from mmengine import DefaultScope

from sfkd.models.losses import DISTLoss, DKDLoss, KDLoss, WSLDLoss
from sfkd.models.temperatures import LearnableTemperature, Temperature
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def paper_lambda(n, lambda_min, lambda_max, loops):
    """Eq. 11 of the paper, for the n-th training epoch."""
    return lambda_min + 0.5 * (lambda_max - lambda_min) * (
        1 + math.cos((1 + min(n, loops) / loops) * math.pi))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def reference_kd(student, teacher, tau):
    """tau^2 * mean over rows of KL(softmax(t / tau) || softmax(s / tau)), plain Python."""
    total = 0.0
    for s_row, t_row in zip(student, teacher):
        zs = sum(math.exp(v / tau) for v in s_row)
        zt = sum(math.exp(v / tau) for v in t_row)
        for s, t in zip(s_row, t_row):
            pt, ps = math.exp(t / tau) / zt, math.exp(s / tau) / zs
            total += pt * math.log(pt / ps)
    return tau**2 * total / len(student)


STUDENT = [[1.0, 2.0, 0.5, -0.3], [-1.0, 0.0, 3.0, 0.2], [0.4, -2.0, 1.5, 1.0]]
TEACHER = [[0.3, 2.5, -1.0, 0.0], [2.0, 1.0, 0.0, -0.5], [1.2, -1.0, 2.5, 0.7]]
TARGET = [1, 2, 0]


def in_float64(module, t_pred):
    """``module`` in float64 with its parameter set to ``t_pred`` exactly (a float32
    parameter would round it)."""
    module = module.double()
    temperature = getattr(module, 'temperature', module)
    with torch.no_grad():
        temperature.t_pred.fill_(t_pred)
    return module


@pytest.mark.parametrize('epoch', [0, 1, 4, 9, 10, 30])
def test_the_curriculum_follows_the_papers_cosine(epoch):
    temp = LearnableTemperature()  # lambda 0 -> 1 over 10 epochs, the paper's CIFAR setting
    temp.set_progress(epoch, 240)
    # sfkd's epoch is 0-based; the curriculum counts the epoch being trained from 1
    assert temp.reversal_strength() == pytest.approx(paper_lambda(epoch + 1, 0.0, 1.0, 10),
                                                     abs=1e-15)
    other = LearnableTemperature(lambda_min=0.2, lambda_max=0.8, curriculum_epochs=4)
    other.set_progress(epoch)
    assert other.reversal_strength() == pytest.approx(paper_lambda(epoch + 1, 0.2, 0.8, 4),
                                                      abs=1e-15)


def test_the_curriculum_rises_from_lambda_min_to_lambda_max():
    temp = LearnableTemperature(lambda_min=0.1, lambda_max=0.7, curriculum_epochs=5)
    values = []
    for epoch in range(8):
        temp.set_progress(epoch)
        values.append(temp.reversal_strength())
    assert values == sorted(values) and values[0] > 0.1
    assert values[4:] == [pytest.approx(0.7, abs=1e-15)] * 4  # epoch 5 (counted from 1) on


def test_without_progress_it_is_the_first_epochs_strength():
    assert LearnableTemperature().reversal_strength() == pytest.approx(
        paper_lambda(1, 0.0, 1.0, 10), abs=1e-15)


@pytest.mark.parametrize('init', [1.0, -0.7, 2.5])
def test_the_temperature_is_tau_min_plus_range_times_sigmoid(init):
    temp = LearnableTemperature(init=init)
    assert temp.t_pred.item() == pytest.approx(init, rel=1e-7)
    assert temp().item() == pytest.approx(1 + 20 * sigmoid(init), rel=1e-6)
    temp = in_float64(LearnableTemperature(tau_min=2.0, tau_range=6.0), init)
    assert temp().item() == pytest.approx(2 + 6 * sigmoid(init), rel=1e-12)
    assert temp().dim() == 0


def test_the_temperature_stays_in_its_range():
    temp = LearnableTemperature().double()  # the paper's (1, 21)
    for value in (-40.0, -5.0, 0.0, 5.0, 40.0):
        with torch.no_grad():
            temp.t_pred.fill_(value)
        assert 1.0 <= temp().item() <= 21.0
    with torch.no_grad():
        temp.t_pred.fill_(-5.0)
    assert 1.0 < temp().item() < 1.2
    with torch.no_grad():
        temp.t_pred.fill_(5.0)
    assert 20.8 < temp().item() < 21.0


def test_kd_with_a_learnable_temperature_has_the_exact_kd_value():
    loss = in_float64(KDLoss(tau=dict(type='LearnableTemperature')), 0.3)
    value = loss(torch.tensor(STUDENT, dtype=torch.float64),
                 torch.tensor(TEACHER, dtype=torch.float64))
    assert value.item() == pytest.approx(reference_kd(STUDENT, TEACHER, 1 + 20 * sigmoid(0.3)),
                                         rel=1e-12)


def test_the_reversed_gradient_is_minus_lambda_times_the_plain_gradient_in_kd():
    loss = in_float64(KDLoss(tau=dict(type='LearnableTemperature'), loss_weight=0.9), 0.3)
    loss.temperature.set_progress(4)  # the 5th epoch: lambda = 0.5 over 10 epochs
    lam = paper_lambda(5, 0.0, 1.0, 10)
    student = torch.tensor(STUDENT, dtype=torch.float64, requires_grad=True)
    teacher = torch.tensor(TEACHER, dtype=torch.float64)
    loss(student, teacher).backward()

    # the same loss written out, with the temperature made from the parameter directly
    theta = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    plain_student = torch.tensor(STUDENT, dtype=torch.float64, requires_grad=True)
    tau = 1 + 20 * torch.sigmoid(theta)
    log_ps = torch.log_softmax(plain_student / tau, dim=1)
    log_pt = torch.log_softmax(teacher / tau, dim=1)
    plain = 0.9 * tau**2 * (log_pt.exp() * (log_pt - log_ps)).sum() / len(STUDENT)
    plain.backward()

    assert lam == pytest.approx(0.5)
    assert theta.grad.item() != 0
    torch.testing.assert_close(loss.temperature.t_pred.grad, -lam * theta.grad,
                               rtol=1e-12, atol=0)
    # the student's gradient is the plain one: only the temperature's is reversed
    torch.testing.assert_close(student.grad, plain_student.grad, rtol=1e-12, atol=0)


class PlainTemperature(Temperature):
    """tau_min + tau_range * sigmoid(theta) without the gradient reversal layer."""

    def __init__(self, init):
        super().__init__()
        self.theta = torch.nn.Parameter(torch.tensor(init, dtype=torch.float64))

    def forward(self):
        return 1 + 20 * torch.sigmoid(self.theta)


@pytest.mark.parametrize('cls, extra', [(KDLoss, {}), (DKDLoss, dict(target=True)),
                                        (DISTLoss, {}), (WSLDLoss, dict(target=True))],
                         ids=lambda c: getattr(c, '__name__', ''))
def test_every_temperature_scaled_loss_takes_it(cls, extra):
    init = -0.4
    kwargs = dict(target=torch.tensor(TARGET)) if extra else {}
    student = torch.tensor(STUDENT, dtype=torch.float64)
    teacher = torch.tensor(TEACHER, dtype=torch.float64)
    learned = in_float64(cls(tau=dict(type='LearnableTemperature')), init)
    learned.temperature.set_progress(1)
    fixed = cls(tau=1 + 20 * sigmoid(init))
    plain = cls(tau=PlainTemperature(init))

    value = learned(student, teacher, **kwargs)
    assert value.item() == pytest.approx(fixed(student, teacher, **kwargs).item(), rel=1e-12)
    value.backward()
    plain(student, teacher, **kwargs).backward()
    lam = paper_lambda(2, 0.0, 1.0, 10)
    assert torch.isfinite(plain.temperature.theta.grad) and plain.temperature.theta.grad != 0
    torch.testing.assert_close(learned.temperature.t_pred.grad,
                               -lam * plain.temperature.theta.grad, rtol=1e-10, atol=0)


def test_a_loss_keeps_the_temperature_as_a_parameter():
    with DefaultScope.overwrite_default_scope('sfkd'):
        loss = MODELS.build(dict(type='KDLoss', tau=dict(type='LearnableTemperature')))
    assert [n for n, _ in loss.named_parameters()] == ['temperature.t_pred']
    assert list(loss.state_dict()) == ['temperature.t_pred']
    assert isinstance(loss.tau, torch.Tensor)
    assert KDLoss(tau=2.0).tau == 2.0 and list(KDLoss().state_dict()) == []


@pytest.mark.parametrize('options, message', [
    (dict(tau_min=0), 'tau_min must be > 0 (the lowest softmax temperature), got 0'),
    (dict(tau_range=-2), "tau_range must be > 0 (the width of the temperature's range), got -2"),
    (dict(lambda_min=-0.5), 'lambda_min must be >= 0 (the reversal strength at the start of '
                            'the curriculum), got -0.5'),
    (dict(lambda_min=0.8, lambda_max=0.5),
     'lambda_max must be >= lambda_min (the curriculum raises the reversal strength from '
     'lambda_min to lambda_max), got lambda_min=0.8 and lambda_max=0.5'),
    (dict(curriculum_epochs=0), 'curriculum_epochs must be >= 1 (the epochs over which the '
                                'reversal strength rises), got 0'),
    (dict(curriculum_epochs=2.5), 'curriculum_epochs must be an integer, got 2.5 (float)'),
    (dict(init='one'), "init must be a number, got 'one' (str)"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(BadConfigError) as err:
        LearnableTemperature(**options)
    assert str(err.value) == message


def test_a_loss_refuses_a_module_that_is_no_temperature():
    with DefaultScope.overwrite_default_scope('sfkd'):
        with pytest.raises(BadConfigError) as err:
            KDLoss(tau=dict(type='KDLoss'))
        assert str(err.value) == ("tau is a KDLoss, not a temperature; give a number, or a "
                                  "temperature module such as dict(type='LearnableTemperature')")
        with pytest.raises(BadConfigError, match=r"^tau: unknown type 'LearnableTemp'; did you "
                                                 r"mean \['LearnableTemperature'\]\?$"):
            KDLoss(tau=dict(type='LearnableTemp'))
        with pytest.raises(BadConfigError, match=r"^tau: tau_min must be > 0"):
            KDLoss(tau=dict(type='LearnableTemperature', tau_min=-1))

"""Logit standardisation (Sun et al., CVPR 2024) on KD, DKD, DIST and WSLD: exact values
against plain-Python references, the Z-score's properties, and its gradient."""
import math

import pytest
import torch

from sfkd.models.losses import DISTLoss, DKDLoss, KDLoss, WSLDLoss
from sfkd.models.losses.logit_standardization import standardize_logits
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

EPS = 1e-7
STUDENT = [[1.0, 2.0, 0.5, -0.3], [-1.0, 0.0, 3.0, 0.4], [0.2, 0.1, -2.0, 1.5]]
TEACHER = [[0.3, 2.5, -1.0, 0.0], [2.0, 1.0, 0.0, 4.0], [-0.5, 3.0, 1.0, 0.5]]
LABELS = [1, 3, 0]


def zscore(row):
    """(x - mean) / sqrt(population variance + eps^2), by hand."""
    mean = sum(row) / len(row)
    var = sum((x - mean) ** 2 for x in row) / len(row)
    return [(x - mean) / math.sqrt(var + EPS * EPS) for x in row]


def softmax(row, tau=1.0):
    exps = [math.exp(v / tau) for v in row]
    return [e / sum(exps) for e in exps]


def kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)


def ref_kd(student, teacher, tau):
    return tau**2 * sum(kl(softmax(zscore(t), tau), softmax(zscore(s), tau))
                        for s, t in zip(student, teacher)) / len(student)


def ref_dkd(student, teacher, labels, alpha, beta, tau):
    tckd = nckd = 0.0
    for s, t, y in zip(student, teacher, labels):
        p_s, p_t = softmax(zscore(s), tau), softmax(zscore(t), tau)
        tckd += kl([p_t[y], 1 - p_t[y]], [p_s[y], 1 - p_s[y]])
        rest_s = [p / (1 - p_s[y]) for i, p in enumerate(p_s) if i != y]
        rest_t = [p / (1 - p_t[y]) for i, p in enumerate(p_t) if i != y]
        nckd += kl(rest_t, rest_s)
    return tau**2 * (alpha * tckd + beta * nckd) / len(student)


def pearson(a, b, eps=1e-8):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    ca, cb = [x - ma for x in a], [x - mb for x in b]
    num = sum(x * y for x, y in zip(ca, cb))
    return num / (math.sqrt(sum(x * x for x in ca)) * math.sqrt(sum(y * y for y in cb)) + eps)


def ref_dist(student, teacher, beta, gamma, tau):
    y_s = [softmax(zscore(s), tau) for s in student]
    y_t = [softmax(zscore(t), tau) for t in teacher]
    inter = 1 - sum(pearson(a, b) for a, b in zip(y_s, y_t)) / len(y_s)
    cols_s, cols_t = list(zip(*y_s)), list(zip(*y_t))
    intra = 1 - sum(pearson(a, b) for a, b in zip(cols_s, cols_t)) / len(cols_s)
    return tau**2 * (beta * inter + gamma * intra)


def ref_wsld(student, teacher, labels, tau, eps=1e-7):
    total = 0.0
    for s, t, y in zip(student, teacher, labels):
        ce_s, ce_t = -math.log(softmax(s)[y]), -math.log(softmax(t)[y])  # raw logits
        weight = 1 - math.exp(-max(ce_s / (ce_t + eps), 0.0))
        p_t, p_s = softmax(zscore(t), tau), softmax(zscore(s), tau)
        total += weight * -sum(a * math.log(b) for a, b in zip(p_t, p_s))
    return tau**2 * total / len(student)


def tensors():
    return (torch.tensor(STUDENT, dtype=torch.float64), torch.tensor(TEACHER, dtype=torch.float64),
            torch.tensor(LABELS))


def test_z_score_by_hand_and_its_moments():
    x = torch.tensor(STUDENT, dtype=torch.float64)
    z = standardize_logits(x)
    for got, row in zip(z.tolist(), STUDENT):
        assert got == pytest.approx(zscore(row), rel=1e-12)
    torch.testing.assert_close(z.mean(dim=1), torch.zeros(3, dtype=torch.float64))
    torch.testing.assert_close(z.pow(2).mean(dim=1), torch.ones(3, dtype=torch.float64))
    # the class dimension of dense logits (N, C, H, W) is dim 1
    dense = x.t().reshape(1, 4, 3, 1)
    torch.testing.assert_close(standardize_logits(dense)[0, :, :, 0].t(), z)


def test_kd_exact_value():
    s, t, _ = tensors()
    got = KDLoss(tau=2.0, logit_stand=True)(s, t).item()
    assert got == pytest.approx(ref_kd(STUDENT, TEACHER, 2.0), rel=1e-10)
    # and it differs from plain KD on these logits
    assert abs(got - KDLoss(tau=2.0)(s, t).item()) > 1e-3


def test_kd_dense_logits_standardise_each_position():
    s, t, _ = tensors()
    dense_s, dense_t = s.t().reshape(1, 4, 3, 1), t.t().reshape(1, 4, 3, 1)
    got = KDLoss(tau=3.0, logit_stand=True)(dense_s, dense_t).item()
    assert got == pytest.approx(ref_kd(STUDENT, TEACHER, 3.0), rel=1e-10)


def test_dkd_exact_value():
    s, t, y = tensors()
    got = DKDLoss(alpha=1.0, beta=8.0, tau=2.0, logit_stand=True)(s, t, target=y).item()
    assert got == pytest.approx(ref_dkd(STUDENT, TEACHER, LABELS, 1.0, 8.0, 2.0), rel=1e-10)


def test_dist_exact_value():
    s, t, _ = tensors()
    got = DISTLoss(beta=2.0, gamma=2.0, tau=4.0, logit_stand=True)(s, t).item()
    assert got == pytest.approx(ref_dist(STUDENT, TEACHER, 2.0, 2.0, 4.0), rel=1e-10)


def test_wsld_exact_value_weights_from_raw_logits():
    s, t, y = tensors()
    got = WSLDLoss(tau=2.0, logit_stand=True)(s, t, target=y).item()
    assert got == pytest.approx(ref_wsld(STUDENT, TEACHER, LABELS, 2.0), rel=1e-10)


def test_kd_ignores_the_students_logit_scale_and_shift():
    # the paper's point: a student with the teacher's logit relations at another range and
    # offset matches it exactly once both are standardised (plain KD does not)
    _, t, _ = tensors()
    student = 0.2 * t - 3.0
    assert KDLoss(tau=2.0, logit_stand=True)(student, t).item() == pytest.approx(0.0, abs=1e-12)
    assert KDLoss(tau=2.0)(student, t).item() > 0.1


@pytest.mark.parametrize('make', [
    lambda: KDLoss(tau=2.0, logit_stand=True),
    lambda: DISTLoss(tau=2.0, logit_stand=True),
], ids=['KDLoss', 'DISTLoss'])
def test_gradient_runs_through_the_z_score(make):
    s, t, _ = tensors()
    s.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: make()(x, t), (s,), eps=1e-6, atol=1e-7)


def test_gradient_of_dkd_runs_through_the_z_score():
    # (WSLD's weights are detached by design, so its gradient is not the numerical one)
    s, t, y = tensors()
    s.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: DKDLoss(tau=2.0, logit_stand=True)(x, t, target=y), (s,), eps=1e-6, atol=1e-7)


def test_a_row_of_equal_logits_gives_a_uniform_softmax_and_a_zero_gradient():
    s = torch.full((1, 4), 2.5, dtype=torch.float64, requires_grad=True)
    z = standardize_logits(s)
    assert torch.equal(z, torch.zeros_like(z))
    t = torch.tensor([TEACHER[0]], dtype=torch.float64)
    loss = KDLoss(tau=2.0, logit_stand=True)(s, t)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()


@pytest.mark.parametrize('cls', [KDLoss, DKDLoss, DISTLoss, WSLDLoss])
def test_logit_stand_must_be_a_boolean(cls):
    with pytest.raises(BadConfigError, match=r"^logit_stand must be True or False \(standardise "
                                             r"student and teacher logits before the "
                                             r"temperature\), got 'yes'$"):
        cls(logit_stand='yes')
    assert cls().logit_stand is False

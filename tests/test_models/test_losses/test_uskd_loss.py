"""Tests of USKDLoss (Yang et al., ICCV 2023): exact values against a plain-Python
reference, the Zipf ranks, which parts carry gradient, and its inputs."""
import math

import pytest
import torch

from sfkd.models.losses import USKDLoss
from sfkd.models.losses.uskd_loss import zipf_labels
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

LOGITS = [[1.0, 2.0, 0.5, -0.3], [-1.0, 0.0, 3.0, 0.4], [0.2, 0.1, -2.0, 1.5]]
LABELS = [1, 3, 0]
# feature maps (N=3, C=2, H=1, W=2) and the weak classifier's weights (4 classes x 2) and bias
FEATURES = [[[[0.5, 1.5]], [[-1.0, 0.0]]], [[[2.0, 0.0]], [[1.0, 1.0]]],
            [[[-0.5, -0.5]], [[0.3, 0.7]]]]
WEIGHT = [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.8], [0.7, 0.0]]
BIAS = [0.1, 0.0, -0.2, 0.05]


def softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def ref_uskd(alpha, beta, mu, eps=0.1):
    """alpha * L_target + beta * L_non + mu * L_weak, written out for each sample."""
    n, k = len(LOGITS), len(LOGITS[0])
    probs = [softmax(row) for row in LOGITS]
    sq = [p[y] ** 2 for p, y in zip(probs, LABELS)]
    l_target = l_non = l_weak = 0.0
    for i, (p, y) in enumerate(zip(probs, LABELS)):
        p_t = sq[i] + 1 - sum(sq) / n
        l_target += -p_t * math.log(p[y])
        pooled = [sum(ch[0]) / 2 for ch in FEATURES[i]]
        weak = softmax([sum(w * x for w, x in zip(ws, pooled)) + b for ws, b in zip(WEIGHT, BIAS)])
        smooth = [(1 - eps) * (c == y) + eps / k for c in range(k)]
        l_weak += -sum(v * math.log(w) for v, w in zip(smooth, weak))
        score = [weak[c] / (1 - weak[y]) + p[c] / (1 - p[y]) for c in range(k)]
        order = sorted(range(k), key=lambda c: -score[c])
        rank = {c: r + 1 for r, c in enumerate(order)}
        zipf = {c: 1 / rank[c] for c in range(k) if c != y}
        total = sum(zipf.values())
        l_non += -sum(zipf[c] / total * math.log(p[c] / (1 - p[y])) for c in zipf)
    return (alpha * l_target + beta * l_non + mu * l_weak) / n


def make_loss(**options):
    loss = USKDLoss(in_channels=2, num_classes=4, **options).double()
    with torch.no_grad():
        loss.fc.weight.copy_(torch.tensor(WEIGHT, dtype=torch.float64))
        loss.fc.bias.copy_(torch.tensor(BIAS, dtype=torch.float64))
    return loss


def inputs(grad=False):
    logits = torch.tensor(LOGITS, dtype=torch.float64, requires_grad=grad)
    feature = torch.tensor(FEATURES, dtype=torch.float64, requires_grad=grad)
    return logits, torch.tensor(LABELS), feature


@pytest.mark.parametrize('alpha, beta, mu', [(1.0, 0.1, 0.005), (0.1, 0.1, 0.1), (0.3, 2.0, 1.5)])
def test_exact_value_against_reference(alpha, beta, mu):
    s, y, f = inputs()
    got = make_loss(alpha=alpha, beta=beta, mu=mu)(s, y, feature=f).item()
    assert got == pytest.approx(ref_uskd(alpha, beta, mu), rel=1e-12)


def test_each_term_alone():
    s, y, f = inputs()
    for alpha, beta, mu in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)):
        got = make_loss(alpha=alpha, beta=beta, mu=mu)(s, y, feature=f).item()
        assert got == pytest.approx(ref_uskd(alpha, beta, mu), rel=1e-12)


def test_a_pooled_feature_is_used_as_it_is():
    s, y, f = inputs()
    pooled = f.flatten(2).mean(2)  # (N, C): e.g. a ViT's class token
    loss = make_loss(alpha=0.3, beta=2.0, mu=1.5)
    torch.testing.assert_close(loss(s, y, feature=pooled), loss(s, y, feature=f))


def test_zipf_labels_follow_the_ranks():
    scores = torch.tensor([[0.1, 0.7, 0.3, 0.7]])  # ranks 4, 1, 3, 2 (a tie: lower index first)
    inverse = [1 / 4, 1, 1 / 3, 1 / 2]
    expected = [v / sum(inverse) for v in inverse]
    assert zipf_labels(scores)[0].tolist() == pytest.approx(expected, rel=1e-6)


def test_the_label_takes_part_in_the_ranking():
    # ranks over all classes: class 0 first, the label 1 second, class 2 third, so the
    # non-target Zipf labels are 1/1 and 1/3 (not 1/1 and 1/2)
    s = torch.tensor([[3.0, 1.5, 0.0]], dtype=torch.float64)
    y = torch.tensor([1])
    loss = USKDLoss(in_channels=1, num_classes=3, alpha=0.0, beta=1.0, mu=0.0).double()
    with torch.no_grad():  # a weak classifier that adds the same score to every class
        loss.fc.weight.zero_()
        loss.fc.bias.zero_()
    got = loss(s, y, feature=torch.zeros(1, 1, dtype=torch.float64)).item()
    rest = math.exp(3.0) + math.exp(0.0)
    n_s = [math.exp(3.0) / rest, math.exp(0.0) / rest]
    z = [3 / 4, 1 / 4]
    assert got == pytest.approx(-(z[0] * math.log(n_s[0]) + z[1] * math.log(n_s[1])), rel=1e-12)


def test_soft_target_label_is_a_constant():
    # beta = mu = 0: d/ds_k of -mean P_t log S_t with P_t fixed is -P_t (1[k=t] - S_k) / N
    s, y, f = inputs(grad=True)
    make_loss(alpha=1.0, beta=0.0, mu=0.0)(s, y, feature=f).backward()
    probs = [softmax(row) for row in LOGITS]
    sq = [p[t] ** 2 for p, t in zip(probs, LABELS)]
    for n, label in enumerate(LABELS):
        p_t = sq[n] + 1 - sum(sq) / 3
        expected = [-p_t * ((k == label) - probs[n][k]) / 3 for k in range(4)]
        assert s.grad[n].tolist() == pytest.approx(expected, rel=1e-12)


def test_weak_supervision_trains_the_layer_and_the_feature_and_ranks_carry_no_gradient():
    s, y, f = inputs(grad=True)
    loss = make_loss(alpha=0.0, beta=1.0, mu=0.0)
    loss(s, y, feature=f).backward()
    # the ranks (which read the weak logits) are constants: nothing reaches the feature
    assert not f.grad.any() and not loss.fc.weight.grad.any()
    assert s.grad.abs().sum() > 0
    s, y, f = inputs(grad=True)
    loss = make_loss(alpha=0.0, beta=0.0, mu=1.0)
    loss(s, y, feature=f).backward()
    assert f.grad.abs().sum() > 0 and loss.fc.weight.grad.abs().sum() > 0
    assert not s.grad.any()  # the weak term reaches the logits only through the ranks


def test_registry_builds_it_with_its_layer():
    loss = MODELS.build(dict(type='USKDLoss', in_channels=16, num_classes=10, loss_weight=2.0))
    assert isinstance(loss, USKDLoss) and tuple(loss.fc.weight.shape) == (10, 16)
    assert USKDLoss.extra_inputs() == {'feature'}


def test_inputs_are_checked():
    s, y, f = inputs()
    loss = make_loss()
    with pytest.raises(BadConfigError, match=r'^USKDLoss in_channels=2, but its feature input '
                                             r'has 3 channels \(3, 3, 2\); set in_channels=3$'):
        loss(s, y, feature=torch.zeros(3, 3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r'^USKDLoss feature must be \(N, C\) or \(N, C, \.\.\.\), '
                                         r'got \(3,\)$'):
        loss(s, y, feature=torch.zeros(3, dtype=torch.float64))
    with pytest.raises(BadConfigError, match=r'^USKDLoss num_classes=4, but the student logits '
                                             r'have 3 classes; set num_classes=3$'):
        loss(s[:, :3], y % 3, feature=f)
    with pytest.raises(ValueError, match=r"teacher must be the class labels \(N,\) = \(3,\) as "
                                         r"integers \(route it from 'data.gt_label'\)"):
        loss(s, s, feature=f)
    with pytest.raises(BadConfigError, match=r'^label_smoothing must be <= 1 \(a share of the '
                                             r'label spread over the classes\), got 1.5$'):
        USKDLoss(in_channels=2, num_classes=4, label_smoothing=1.5)
    with pytest.raises(BadConfigError, match=r'^in_channels must be an integer'):
        USKDLoss(in_channels=2.5, num_classes=4)

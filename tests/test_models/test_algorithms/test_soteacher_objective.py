"""SoTeacher's regularisers (Dong et al., arXiv:2206.06661) as values.

The teacher is at epoch 2 of 5 with a consistency weight of 0.6, so the term is
on (it is off in epoch 0), and its buffer holds made-up past predictions. The
logged terms are compared with the formulas written here, on the teacher logits
of a forward pass run by hand.
"""
import math

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from reference import cross_entropy, data_samples, head_logits, softmax, stages
from sfkd_testing import ROOT
from torch import nn

from sfkd.models.regularizers import LipschitzRegularizer
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

SOT_CFG = f'{ROOT}/configs/soteacher/soteacher_small-resnet_fashion-mnist.py'
NUM_SAMPLES, EPOCH, MAX_EPOCHS, ALPHA, LIP = 8, 2, 5, 0.6, 2e-3
# dataset indices of the batch, and labels that differ from them (all < NUM_SAMPLES,
# so a label used as an index would pick another buffer row, not fail)
INDICES, LABELS = [6, 1, 4, 3], [0, 5, 7, 2]


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def build():
    cfg = Config.fromfile(SOT_CFG).model.to_dict()
    cfg['regularizers'] = dict(
        lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=LIP),
        consistency=dict(type='ConsistencyRegularizer', num_samples=NUM_SAMPLES,
                         num_classes=10, schedule='linear', weight=ALPHA))
    torch.manual_seed(0)
    model = MODELS.build(cfg).train()
    past = torch.rand(NUM_SAMPLES, 10, generator=torch.Generator().manual_seed(2))
    model.regularizers['consistency'].ybar.copy_(past / past.sum(dim=1, keepdim=True))
    model.set_progress(EPOCH, max_epochs=MAX_EPOCHS)  # as the runner's progress hook does
    return model


def lipschitz_l1(teacher: nn.Module) -> float:
    """The official code's bounds: entrywise L1 of a conv kernel, the largest column L1
    sum of a linear layer, ``max_c |gamma_c| / sqrt(running_var_c + eps)`` of a BN."""
    total = 0.0
    for m in teacher.modules():
        if isinstance(m, nn.Conv2d):
            total += sum(abs(v) for v in m.weight.flatten().tolist())
        elif isinstance(m, nn.Linear):
            w = m.weight.tolist()
            total += max(sum(abs(row[j]) for row in w) for j in range(len(w[0])))
        elif isinstance(m, nn.BatchNorm2d):
            total += max(abs(g) / math.sqrt(v + m.eps)
                         for g, v in zip(m.weight.tolist(), m.running_var.tolist()))
    return total


def test_consistency_and_lipschitz_terms_at_epoch_two():
    model = build()
    past = model.regularizers['consistency'].ybar.clone()
    x = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    assert set(losses) == {'teacher.loss', 'teacher.loss_lipschitz', 'teacher.loss_consistency'}
    # the Lipschitz term: the regulariser alone on the same teacher, and the bounds by hand,
    # both read after the model's forward pass (the BN bounds read its running variances)
    lip = losses['teacher.loss_lipschitz']
    torch.testing.assert_close(lip, LipschitzRegularizer(mode='l1', weight=LIP)(model.teacher))
    assert lip.item() == pytest.approx(LIP * lipschitz_l1(model.teacher), rel=1e-5)

    with torch.no_grad():  # the teacher logits, stage by stage (same batch statistics)
        logits = head_logits(model.teacher, stages(model.teacher, x))
    prob = softmax(logits)

    # the paper's linear schedule: alpha * (e + 1) / E, and the buffer from before this step
    weight = ALPHA * (EPOCH + 1) / MAX_EPOCHS
    expected = weight * ((prob - past[INDICES].double()) ** 2).sum(dim=1).mean()
    assert losses['teacher.loss_consistency'].item() == pytest.approx(expected.item(), rel=1e-5)
    # then the running mean over epochs: ybar <- (1 - 1/(1+e)) ybar + 1/(1+e) p
    rate = 1 / (1 + EPOCH)
    ybar = model.regularizers['consistency'].ybar
    torch.testing.assert_close(ybar[INDICES].double(), (1 - rate) * past[INDICES].double()
                               + rate * prob, rtol=1e-5, atol=1e-7)
    others = [i for i in range(NUM_SAMPLES) if i not in INDICES]
    assert torch.equal(ybar[others], past[others])

    assert losses['teacher.loss'].item() == pytest.approx(
        cross_entropy(logits, LABELS).item(), rel=1e-5)


def test_the_terms_train_the_teacher():
    model = build()
    x = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    fc = model.teacher.head.fc.weight
    g_consistency, = torch.autograd.grad(losses['teacher.loss_consistency'], fc, retain_graph=True)
    g_lipschitz, = torch.autograd.grad(losses['teacher.loss_lipschitz'], fc)
    assert g_consistency.abs().sum() > 0
    # d/dW of LIP * max_j sum_i |W_ij|: LIP * sign(W) in the largest column, 0 elsewhere
    column = fc.detach().abs().sum(dim=0).argmax()
    expected = torch.zeros_like(fc)
    expected[:, column] = LIP * fc.detach()[:, column].sign()
    torch.testing.assert_close(g_lipschitz, expected)

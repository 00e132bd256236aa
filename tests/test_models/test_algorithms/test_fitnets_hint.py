"""A FitNets hint (Romero et al., arXiv:1412.6550) through its connector, as a value.

The Distiller's logged hint loss is compared with the mean squared error between
the teacher feature and the student feature mapped by the connector, where the
connector's arithmetic (a 1x1 convolution and training-mode BatchNorm, or a
linear layer) is written out here.
"""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from reference import conv_bn_train, cross_entropy, data_samples, head_logits, kd, stages
from sfkd_testing import ROOT

from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

FITNETS_CFG = f'{ROOT}/configs/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
LABELS, INDICES = [2, 8, 5, 1], [0, 1, 2, 3]


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def build(ckpt, **overrides):
    cfg = Config.fromfile(FITNETS_CFG).model.to_dict()
    cfg.update(teacher_ckpt=ckpt, **overrides)
    torch.manual_seed(1)
    model = MODELS.build(cfg).train()
    with torch.no_grad():  # BatchNorm's affine parameters away from their (1, 0) start
        for p in model.connectors.parameters():
            if p.dim() == 1:
                p.copy_(torch.linspace(-1.5, 2.0, p.numel()))
    return model


def inputs():
    return torch.randn(len(LABELS), 1, 28, 28, generator=torch.Generator().manual_seed(3))


def test_hint_through_the_conv_bn_connector(random_teacher_ckpt):
    model = build(random_teacher_ckpt)
    x = inputs()
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_hint', 'distill.loss_kd'}
    teacher, student = model.get_teacher(), model.student
    with torch.no_grad():
        s_feat, t_feat = stages(student, x), stages(teacher, x)  # (4, 32, 7, 7), (4, 64, 7, 7)
        conn = model.connectors['hint']
        assert conn.layers[0].weight.shape == (64, 32, 1, 1) and len(conn.layers) == 2  # no ReLU
        mapped = conv_bn_train(conn, s_feat)
        hint = ((mapped - t_feat) ** 2).mean()  # loss_weight 1
        s_logits, t_logits = head_logits(student, s_feat), head_logits(teacher, t_feat)
    assert losses['distill.loss_hint'].item() == pytest.approx(hint.item(), rel=1e-5)
    assert losses['distill.loss_kd'].item() == pytest.approx(
        0.9 * kd(s_logits, t_logits, tau=4.0).item(), rel=1e-4)
    assert losses['student.loss'].item() == pytest.approx(
        0.1 * cross_entropy(s_logits, LABELS).item(), rel=1e-5)


def test_hint_on_pooled_features_through_a_linear_connector(random_teacher_ckpt):
    """The input of ``head.fc`` (a ModuleInputTap) is the pooled feature; the dry run
    sizes the LinearConnector from the student's 32 to the teacher's 64 features."""
    pooled = dict(type='ModuleInputTap', source='head.fc')
    model = build(random_teacher_ckpt, student_taps=dict(pooled=pooled),
                  teacher_taps=dict(pooled=pooled),
                  connectors=dict(hint=dict(type='LinearConnector')),
                  distill_losses=dict(loss_hint=dict(type='FitNetsLoss', loss_weight=2.5)),
                  loss_inputs=dict(loss_hint=dict(student=('student.pooled', 'hint'),
                                                  teacher='teacher.pooled')))
    fc = model.connectors['hint'].fc
    assert fc.weight.shape == (64, 32)
    x = inputs()
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    with torch.no_grad():
        s_pooled = stages(model.student, x).mean(dim=(2, 3))
        t_pooled = stages(model.get_teacher(), x).mean(dim=(2, 3))
        mapped = s_pooled @ fc.weight.t() + fc.bias
    expected = 2.5 * ((mapped - t_pooled) ** 2).mean()
    assert losses['distill.loss_hint'].item() == pytest.approx(expected.item(), rel=1e-5)

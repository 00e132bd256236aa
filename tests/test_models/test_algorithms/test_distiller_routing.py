"""The Distiller routes taps and data fields into the right loss arguments.

The batch's labels differ from its sample indices, so a route that took one
field for the other, or the student's logits for the teacher's, would change
what the losses receive and the values they return.
"""
import pytest
import torch
from mmengine import DefaultScope
from reference import cross_entropy, data_samples, dkd, head_logits, stages

from sfkd.models.algorithms import Distiller
from sfkd.models.losses import DistillLoss

pytestmark = pytest.mark.unit

TEACHER = dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py')
STUDENT = dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py')
LABELS, INDICES = [4, 0, 9, 2], [17, 3, 250, 8]


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


class ProbeLoss(DistillLoss):
    """Keeps what it was given; its value is 0."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def compute(self, student, teacher, target, index):
        self.calls.append(dict(student=student.detach(), teacher=teacher.detach(),
                               target=target, index=index))
        return student.sum() * 0


def distiller(ckpt, losses, loss_inputs, **kwargs):
    torch.manual_seed(1)
    return Distiller(student=STUDENT, teacher=TEACHER, teacher_ckpt=ckpt,
                     student_taps=dict(logits='head.fc'), teacher_taps=dict(logits='head.fc'),
                     distill_losses=losses, loss_inputs=loss_inputs, input_shape=(1, 28, 28),
                     **kwargs).train()


def inputs():
    return torch.randn(len(LABELS), 1, 28, 28, generator=torch.Generator().manual_seed(2))


def logits_by_hand(model, x):
    with torch.no_grad():
        student = head_logits(model.student, stages(model.student, x))
        teacher = head_logits(model.get_teacher(), stages(model.get_teacher(), x))
    return student, teacher


def test_each_argument_gets_its_source(random_teacher_ckpt):
    probe = ProbeLoss()
    model = distiller(random_teacher_ckpt, dict(probe=probe), dict(probe=dict(
        student='student.logits', teacher='teacher.logits', target='data.gt_label',
        index='data.sample_idx')))
    probe.calls.clear()  # the build-time check called it once on the dry run
    x = inputs()
    model(x, data_samples(LABELS, INDICES), mode='loss')
    (call, ) = probe.calls
    assert call['target'].tolist() == LABELS and call['index'].tolist() == INDICES
    student, teacher = logits_by_hand(model, x)
    torch.testing.assert_close(call['student'], student)
    torch.testing.assert_close(call['teacher'], teacher)


def test_a_label_routed_loss_has_the_value_of_its_formula(random_teacher_ckpt):
    """DKD needs the labels (``target``): its value with the batch's labels, by hand."""
    model = distiller(
        random_teacher_ckpt, dict(loss_dkd=dict(type='DKDLoss', alpha=0.5, beta=2.0, tau=3.0,
                                         loss_weight=1.5)),
        dict(loss_dkd=dict(student='student.logits', teacher='teacher.logits',
                           target='data.gt_label')), student_loss_weight=0.3)
    x = inputs()
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_dkd'}
    student, teacher = logits_by_hand(model, x)
    expected = 1.5 * dkd(student, teacher, LABELS, alpha=0.5, beta=2.0, tau=3.0)
    # float32 in the model; the KL of two close distributions loses a few digits
    assert losses['distill.loss_dkd'].item() == pytest.approx(expected.item(), rel=1e-4)
    # with the sample indices (mod 10) as labels the value would differ
    wrong = 1.5 * dkd(student, teacher, [i % 10 for i in INDICES], alpha=0.5, beta=2.0, tau=3.0)
    assert abs(wrong.item() - expected.item()) > 1e-3
    assert losses['student.loss'].item() == pytest.approx(
        0.3 * cross_entropy(student, LABELS).item(), rel=1e-5)

"""A list of sources routes a list of records into one loss argument, through a
connector that takes the whole list (ReviewKD's ABF) or straight to the loss; bad
lists are refused when the Distiller is built, naming the entry and the fix.

The stage outputs are recomputed by hand (the backbone's stem and stages), so a
route that swapped two sources or took another tap would change what arrives.
"""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from reference import data_samples, stages
from sfkd_testing import ROOT

from sfkd.models.algorithms import Distiller
from sfkd.models.losses import DistillLoss, HCLLoss
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

TEACHER = dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py')
STUDENT = dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py')
REVIEWKD_CFG = f'{ROOT}/configs/reviewkd/reviewkd_small-resnet_tiny-resnet_fashion-mnist.py'
TAPS = dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3')
LABELS, INDICES = [4, 0, 9, 2], [17, 3, 250, 8]
FORMS = (r"^loss_inputs.probe.student: expected a source such as 'student.feat', "
         r"\('student.feat', 'connector_name'\), a list of sources \['student.s1', "
         r"'student.s2'\] or \(\['student.s1', 'student.s2'\], 'connector_name'\), got ")


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


class ProbeLoss(DistillLoss):
    """Keeps what it was given; its value is 0."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def compute(self, student, teacher, target=None):
        self.calls.append(dict(student=student, teacher=teacher, target=target))
        return sum(s.sum() for s in student) * 0


def distiller(ckpt, loss_inputs, losses=None, **kwargs):
    torch.manual_seed(1)
    options = dict(student=STUDENT, teacher=TEACHER, teacher_ckpt=ckpt, student_taps=TAPS,
                   teacher_taps=TAPS, input_shape=(1, 28, 28))
    options.update(kwargs)
    return Distiller(distill_losses=losses or dict(probe=ProbeLoss()),
                     loss_inputs=dict(probe=loss_inputs), **options).train()


def inputs():
    return torch.randn(len(LABELS), 1, 28, 28, generator=torch.Generator().manual_seed(2))


def test_a_list_of_sources_arrives_as_a_list_in_the_order_written(random_teacher_ckpt):
    model = distiller(random_teacher_ckpt, dict(
        student=['student.s3', 'student.s1'], teacher=['teacher.s2', 'teacher.s3'],
        target=['data.gt_label', 'data.sample_idx']))
    probe = model.distill_losses['probe']
    probe.calls.clear()  # the build-time check called it once on the dry run
    x = inputs()
    model(x, data_samples(LABELS, INDICES), mode='loss')
    (call, ) = probe.calls
    with torch.no_grad():
        expected_student = [stages(model.student, x, stop=3), stages(model.student, x, stop=1)]
        teacher = model.get_teacher()
        expected_teacher = [stages(teacher, x, stop=2), stages(teacher, x, stop=3)]
    for got, expected in ((call['student'], expected_student),
                          (call['teacher'], expected_teacher)):
        assert isinstance(got, list) and len(got) == 2
        for value, reference in zip(got, expected):
            torch.testing.assert_close(value.detach(), reference)
    assert [t.tolist() for t in call['target']] == [LABELS, INDICES]


def test_reviewkd_fuses_the_student_list_into_the_teacher_shapes(random_teacher_ckpt):
    cfg = Config.fromfile(REVIEWKD_CFG).model.to_dict()
    cfg.update(teacher_ckpt=random_teacher_ckpt)
    torch.manual_seed(1)
    model = MODELS.build(cfg).train()
    review = model.connectors['review']
    assert [block[0].in_channels for block in review.lateral] == [8, 16, 32, 32]
    assert [block[0].out_channels for block in review.output] == [16, 32, 64, 64]
    assert review.out_sizes == [None] * 4  # the teacher's stages have the student's sizes
    x = inputs()
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_hcl'}

    def taps(classifier):
        maps = [stages(classifier, x, stop=k) for k in (1, 2, 3)]
        return maps + [maps[-1].mean(dim=(2, 3))]  # the neck's global average

    with torch.no_grad():
        fused = review(taps(model.student))
        expected = HCLLoss()(fused, taps(model.get_teacher()))
    assert [tuple(f.shape) for f in fused] == [(4, 16, 28, 28), (4, 32, 14, 14),
                                              (4, 64, 7, 7), (4, 64)]
    assert losses['distill.loss_hcl'].item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize('student, message', [
    ([], FORMS + r'\[\] \(an empty list of sources\)$'),
    (['student.s1', 3, 'student.s2'], FORMS + r"\['student.s1', 3, 'student.s2'\]$"),
    (['student.s1', 'student.s2', 'feat'],
     r"^loss_inputs.probe.student\[2\]: source 'feat' must start with 'student.', "
     r"'teacher.' or 'data.'$"),
    (['student.s1', 'student.s9'],
     r"^loss_inputs.probe.student\[1\]: 'student.s9' is not a declared tap; declared: "
     r"\['student.s1', 'student.s2', 'student.s3', 'teacher.s1', 'teacher.s2', "
     r"'teacher.s3'\] \(add it to student_taps\)$"),
    ((['student.s1', 'student.s2'], 'a-b'),
     r"^loss_inputs.probe.student: connector name must be a name such as 'hint', "
     r"got 'a-b'$"),
])
def test_a_bad_list_is_refused_naming_the_entry(random_teacher_ckpt, student, message):
    with pytest.raises(BadConfigError, match=message):
        distiller(random_teacher_ckpt, dict(student=student, teacher=['teacher.s1']))


@pytest.mark.parametrize('connector, loss_inputs, message', [
    (dict(type='ConvBNConnector'),
     dict(student=(['student.s1', 'student.s2'], 'adapt'), teacher=['teacher.s1', 'teacher.s2']),
     r"^connectors.adapt \(ConvBNConnector\) adapts one map, but loss_inputs.probe.student "
     r"routes a list of 2 sources into it: route one source through it, or use a connector "
     r"that takes a list, e.g. dict\(type='ABFConnector'\)$"),
    (dict(type='ABFConnector'),
     dict(student=('student.s1', 'adapt'), teacher='teacher.s1'),
     r"^connectors.adapt \(ABFConnector\) takes a list of records, but "
     r"loss_inputs.probe.student routes the single source 'student.s1' into it: route a "
     r"list, e.g. \(\['student.s1', 'student.s2'\], 'adapt'\)$"),
    (dict(type='ABFConnector'),
     dict(student=(['student.s1', 'student.s2'], 'adapt'), teacher='teacher.s1'),
     r"^connectors.adapt \(ABFConnector\): fuses 2 student records into as many outputs, but "
     r"the teacher side routes one record; route a list of as many teacher taps, e.g. "
     r"teacher=\['teacher.s1', 'teacher.s2'\]$"),
    (dict(type='ABFConnector'),
     dict(student=(['student.s1', 'student.neck'], 'adapt'), teacher=['teacher.s1', 'teacher.s2']),
     r"^loss_inputs.probe.student\[1\]: 'student.neck' records a tuple, but connectors.adapt "
     r"\(ABFConnector\) takes one tensor per source; pick one element in the tap, e.g. "
     r'student_taps.neck="neck\[0\]"$'),
])
def test_a_list_and_its_connector_must_fit(random_teacher_ckpt, connector, loss_inputs, message):
    with pytest.raises(BadConfigError, match=message):
        distiller(random_teacher_ckpt, loss_inputs, connectors=dict(adapt=connector),
                  student_taps=dict(TAPS, neck='neck'))


def test_a_teacher_tap_in_a_list_is_refused_without_a_teacher():
    with pytest.raises(BadConfigError, match=r"^loss_inputs.probe.teacher\[1\]: 'teacher.s2' "
                       r'is a teacher tap, but model.teacher is None'):
        distiller(None, dict(student=['student.s1'], teacher=['student.s1', 'teacher.s2']),
                  teacher=None, teacher_taps=None)


def test_a_list_into_a_loss_that_takes_one_map_is_explained(random_teacher_ckpt):
    with pytest.raises(BadConfigError, match=(
            r"^distill loss 'probe' \(FitNetsLoss\) cannot take its inputs \{'student': "
            r"'\[student.s1 \(2, 8, 28, 28\), student.s2 \(2, 16, 14, 14\)\]', 'teacher': "
            r"'\[teacher.s1 \(2, 16, 28, 28\), teacher.s2 \(2, 32, 14, 14\)\]'\}: "
            r"'list' object has no attribute 'shape'\. "
            r'loss_inputs.probe.student routes a list, which reaches the loss as a list: use '
            r'a loss that takes one record per level on both sides \(e.g. HCLLoss\), fusing '
            r"the student's list to the teacher's shapes with connectors=dict\(review=dict\("
            r"type='ABFConnector'\)\)$")):
        distiller(random_teacher_ckpt, dict(student=['student.s1', 'student.s2'],
                                            teacher=['teacher.s1', 'teacher.s2']),
                  losses=dict(probe=dict(type='FitNetsLoss')))

"""StudentBranches on its own: attach points, transforms sized by dry runs, injected
teacher features, the skip plan of the first training pass, the channels-last input."""
import pytest
import torch
from mmengine import DefaultScope

from sfkd.models.algorithms.branches import (ChannelsLast, StudentBranches, attach_pairs,
                                             injected)
from sfkd.models.algorithms.teacher_algorithm import OUTPUT, dry_records
from sfkd.models.model_config import build_model
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

TEACHER = dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py')
STUDENT = dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py')
SHAPE = (1, 28, 28)


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def branches(share=True, attach=(('backbone.layer1', 'backbone.layer1'),
                                 ('backbone.layer2', 'backbone.layer2')), **kwargs):
    torch.manual_seed(0)
    teacher = build_model(TEACHER)
    spec = dict(student=STUDENT, attach=list(attach), share_student=share)
    made = StudentBranches(teacher, [spec], 'head.fc', SHAPE, **kwargs)
    made.size_transforms(dry_records(teacher, 'teacher', made.teacher_paths(), 'head.fc',
                                     SHAPE))
    return teacher, made


def batch(n=2):
    from mmpretrain.structures import DataSample
    return torch.randn(n, *SHAPE), [DataSample().set_gt_label(i) for i in range(n)]


def test_its_state_dict_holds_the_students_and_transforms_but_not_the_teacher():
    _, shared = branches()
    assert {k.split('.')[0] + '.' + k.split('.')[1] for k in shared.state_dict()} == {
        'students.b0', 'transforms.b0_0', 'transforms.b0_1'}
    assert [(b.key, b.name, b.student_key) for b in shared.branches] == [
        ('b0_0', 'b0.layer1', 'b0'), ('b0_1', 'b0.layer2', 'b0')]
    assert shared.teacher_paths() == {'backbone.layer1', 'backbone.layer2'}
    # the transforms are sized from the dry runs: teacher channels in, student channels out
    assert shared.transforms['b0_0'].layers[0].in_channels == 16
    assert shared.transforms['b0_0'].layers[0].out_channels == 8
    _, separate = branches(share=False)
    assert set(separate.students) == {'b0_0', 'b0_1'}
    assert separate.students['b0_0'] is not separate.students['b0_1']


def test_a_pass_runs_the_student_from_the_teacher_feature_and_skips_what_feeds_it():
    teacher, made = branches(attach=[('backbone.layer2', 'backbone.layer2')])
    made.train()
    inputs, samples = batch()
    shape = dry_records(teacher, 'teacher', {'backbone.layer2'}, 'head.fc',
                        SHAPE)['backbone.layer2'].shape
    features = {'backbone.layer2': torch.randn(2, *shape[1:])}
    ((branch, losses, out), ) = made(features, inputs, samples)
    assert set(losses) == {'loss'} and out.shape == (2, 10)
    # the first training pass planned the skip: the attach module and its feeders
    assert branch.planned and branch.plan.skipped == ['backbone.layer2', 'backbone.layer1',
                                                      'backbone.stem']
    # the losses depend on the teacher feature, not on the input images
    again = made(features, torch.zeros_like(inputs), samples)[0][1]
    torch.testing.assert_close(again['loss'], losses['loss'])
    other = made({'backbone.layer2': torch.randn(2, *shape[1:])}, inputs, samples)
    assert not torch.allclose(other[0][1]['loss'], losses['loss'])


def test_an_injected_feature_replaces_the_module_output_while_active():
    student = build_model(STUDENT).eval()
    x = torch.randn(1, *SHAPE)
    with torch.no_grad():
        plain = student(x)
        feature = torch.zeros(1, 16, 14, 14)
        with injected(student, 'backbone.layer2', feature):
            replaced = student(x)
        after = student(x)
    assert not torch.allclose(plain, replaced)
    torch.testing.assert_close(after, plain)


@pytest.mark.parametrize('spec, message', [
    (dict(attach=[('a', 'b', 'c')]),
     r"^branches\[0\]\.attach: expected \('teacher.path', 'student.path'\) pairs, got "
     r"\('a', 'b', 'c'\)$"),
    (dict(attach=[]), r'^branches\[0\] has no attach points; add e\.g\. '),
    (dict(attach=[('backbone.layer2', 'neck[0]')]),
     r"^branches\[0\]\.attach: 'neck\[0\]' picks one element of a module's output"),
])
def test_bad_attach_points_are_refused(spec, message):
    with pytest.raises(BadConfigError, match=message):
        attach_pairs(spec, 0)


def test_attach_points_as_pairs_or_dicts():
    assert attach_pairs(dict(attach=[('t.a', 's.a'), dict(teacher='t.b', student='s.b')]),
                        0) == [('t.a', 's.a'), ('t.b', 's.b')]


def test_channels_last_input_sends_its_gradient_back_in_the_input_layout():
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    y = ChannelsLast.apply(x)
    assert y.is_contiguous(memory_format=torch.channels_last)
    y.sum().backward()
    assert x.grad.is_contiguous() and torch.equal(x.grad, torch.ones_like(x))
    _, made = branches(channels_last=True)
    weight = made.transforms['b0_0'].layers[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert OUTPUT == '<output>'

"""TeacherPathConnector: the teacher's modules run on a student record, frozen.

The outputs are compared with the teacher's modules applied by hand (and with
their weights written out); the gradient must reach the student record and
never the teacher, whose parameters stay out of the connector.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sfkd.models.algorithms.teacher_connectors import bind_teacher
from sfkd.models.connectors import MultiLevelTeacherPathConnector, TeacherPathConnector
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


class Scale(nn.Module):

    def __init__(self, value):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(value))

    def forward(self, x):
        return x * self.scale


class Head(nn.Module):
    """conv (3 -> 3, 1x1) -> bn -> cls (3 -> 2, 1x1); one Scale per level."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.bn = nn.BatchNorm2d(3)
        self.cls = nn.Conv2d(3, 2, 1)
        self.scales = nn.ModuleList([Scale(2.0), Scale(-0.5)])


class Teacher(nn.Module):

    def __init__(self):
        super().__init__()
        self.head = Head()
        torch.manual_seed(0)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn_like(p))
            self.head.bn.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
            self.head.bn.running_var.copy_(torch.tensor([4.0, 1.0, 0.25]))
            self.head.scales[0].scale.fill_(2.0)
            self.head.scales[1].scale.fill_(-0.5)


def by_hand(teacher, x):
    """conv, then BatchNorm on its running statistics, then cls, from the weights."""
    head = teacher.head
    h = torch.einsum('oc,nchw->nohw', head.conv.weight[:, :, 0, 0], x) + \
        head.conv.bias.view(1, -1, 1, 1)
    bn = head.bn
    h = (h - bn.running_mean.view(1, -1, 1, 1)) / torch.sqrt(
        bn.running_var.view(1, -1, 1, 1) + bn.eps) * bn.weight.view(1, -1, 1, 1) + \
        bn.bias.view(1, -1, 1, 1)
    return torch.einsum('oc,nchw->nohw', head.cls.weight[:, :, 0, 0], h) + \
        head.cls.bias.view(1, -1, 1, 1)


PATHS = ['head.conv', 'head.bn', 'head.cls']


def test_outputs_equal_the_teacher_modules_applied_by_hand():
    teacher = Teacher().train()  # a trainable teacher in train mode: the path runs in eval
    connector = TeacherPathConnector(PATHS, teacher=teacher)
    x = torch.randn(2, 3, 4, 4)
    mean_before = teacher.head.bn.running_mean.clone()
    out = connector(x)
    assert torch.allclose(out, by_hand(teacher, x), atol=1e-5)
    with torch.no_grad():
        assert torch.equal(out, teacher.head.cls(F.batch_norm(
            teacher.head.conv(x), teacher.head.bn.running_mean, teacher.head.bn.running_var,
            teacher.head.bn.weight, teacher.head.bn.bias, False, 0.0, teacher.head.bn.eps)))
    # the student's features do not move the teacher's statistics; modes are restored
    assert torch.equal(teacher.head.bn.running_mean, mean_before)
    assert all(m.training for m in teacher.modules())


def test_gradient_reaches_the_student_and_not_the_teacher():
    teacher = Teacher()  # parameters that would take a gradient, were they used as such
    assert all(p.requires_grad for p in teacher.parameters())
    student = nn.Conv2d(1, 3, 1)
    connector = TeacherPathConnector(['head.cls'], teacher=teacher)
    x = torch.randn(2, 1, 3, 3)
    connector(student(x)).sum().backward()
    assert all(p.grad is None for p in teacher.parameters())
    # d/dW_student of sum(cls(W x + b)) = sum over positions of (cls.weight^T 1) x^T
    back = teacher.head.cls.weight[:, :, 0, 0].sum(0).detach()  # (3,)
    expected = back.view(3, 1) * x.sum(dim=(0, 2, 3)).view(1, 1)
    assert torch.allclose(student.weight.grad[:, :, 0, 0], expected, atol=1e-5)
    assert torch.allclose(student.bias.grad, back * x[:, :1].numel(), atol=1e-5)


def test_the_teacher_is_neither_a_submodule_nor_saved():
    teacher = Teacher()
    connector = TeacherPathConnector(PATHS, teacher=teacher)
    assert list(connector.parameters()) == [] and connector.state_dict() == {}
    assert connector.teacher is teacher
    connector.double()  # moving the connector moves the teacher modules it runs
    assert teacher.head.cls.weight.dtype == torch.float64
    assert teacher.head.scales[0].scale.dtype == torch.float32  # not on the path


def test_an_adapter_maps_the_student_channels_and_trains_with_the_connector():
    teacher = Teacher()
    with pytest.raises(BadConfigError, match=r"^TeacherPathConnector gets student records "
                       r"of 5 channels, but teacher module 'head.conv' takes 3; add "
                       r"adapter=dict\(type='ConvBNConnector'\) to map them$"):
        TeacherPathConnector(PATHS, teacher=teacher, in_channels=5)
    connector = TeacherPathConnector(PATHS, teacher=teacher, in_channels=5,
                                     adapter=dict(type='ConvBNConnector'))
    conv = connector.adapter.layers[0]
    assert (conv.in_channels, conv.out_channels) == (5, 3)
    assert {n.split('.')[0] for n, _ in connector.named_parameters()} == {'adapter'}
    connector.eval()
    x = torch.randn(2, 5, 2, 2)
    assert torch.allclose(connector(x), by_hand(teacher, connector.adapter(x)), atol=1e-5)
    assert TeacherPathConnector.sizes((2, 5, 4, 4), (2, 2, 4, 4)) == dict(in_channels=5)


def test_paths_are_checked():
    teacher = Teacher()
    with pytest.raises(BadConfigError, match=r"^teacher has no module 'head.clss'; closest "
                       r"valid paths: \['head.cls'"):
        TeacherPathConnector(['head.conv', 'head.clss'], teacher=teacher)
    with pytest.raises(BadConfigError, match=r'paths must be a list of teacher module paths'):
        TeacherPathConnector('head.cls', teacher=teacher)
    with pytest.raises(BadConfigError, match=r"cannot name a level: \['head.scales.\{level\}'\]"
                       r'; use MultiLevelTeacherPathConnector'):
        TeacherPathConnector(['head.cls', 'head.scales.{level}'], teacher=teacher)


def test_multi_level_connector_runs_each_level_with_its_own_modules():
    teacher = Teacher()
    connector = MultiLevelTeacherPathConnector(PATHS + ['head.scales.{level}'],
                                               teacher=teacher)
    levels = [torch.randn(1, 3, 2, 2), torch.randn(1, 3, 1, 1)]
    out = connector(levels)
    assert torch.allclose(out[0], 2.0 * by_hand(teacher, levels[0]), atol=1e-5)
    assert torch.allclose(out[1], -0.5 * by_hand(teacher, levels[1]), atol=1e-5)
    assert MultiLevelTeacherPathConnector.takes_sequence
    assert MultiLevelTeacherPathConnector.sizes([(1, 3, 2, 2), (1, 3, 1, 1)],
                                                [(1, 2, 2, 2)]) == dict(in_channels=3)
    with pytest.raises(ValueError, match=r'different channels \[3, 4\]'):
        MultiLevelTeacherPathConnector.sizes([(1, 3, 2, 2), (1, 4, 1, 1)], [])
    with pytest.raises(BadConfigError, match=r"teacher has no module 'head.scales.2'"):
        connector(levels + [torch.randn(1, 3, 1, 1)])


class Holder:

    def __init__(self, teacher):
        self.teacher = teacher

    def get_teacher(self):
        return self.teacher


def test_the_distiller_gives_its_teacher_to_the_connectors_that_run_it():
    teacher = Teacher()
    cfgs = dict(cross=dict(type='TeacherPathConnector', paths=['head.cls']),
                adapt=dict(type='ConvBNConnector'))
    bound = bind_teacher(Holder(teacher), cfgs)
    assert bound['cross']['teacher'] is teacher and 'teacher' not in bound['adapt']
    assert 'teacher' not in cfgs['cross']  # the config is left as it was
    with pytest.raises(BadConfigError, match=r'^connectors.cross \(TeacherPathConnector\) '
                       r'runs modules of the teacher, but this Distiller has no teacher model; '
                       r'set model.teacher or drop the connector$'):
        bind_teacher(Holder(None), cfgs)
    with pytest.raises(BadConfigError, match=r'^connectors.cross.teacher is set by the '
                       r'Distiller \(its teacher model\); drop the option$'):
        bind_teacher(Holder(teacher), dict(cross=dict(cfgs['cross'], teacher='t')))

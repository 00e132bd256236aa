"""Taps on modules that return a tuple or a dict, as an FPN neck or a multi-stage backbone
of mmdet/mmseg does: one element by index or key, or the whole tuple into a loss
that takes one record per level."""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.model import BaseModel
from torch import nn

from sfkd.models.taps import TapSet
from sfkd.models.taps.tap_set import parse_tap
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


class TwoLevelBackbone(nn.Module):
    """Returns a tuple of two feature maps, as mmdet/mmseg backbones do."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.down = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)

    def forward(self, x):
        c1 = torch.relu(self.stem(x))
        return c1, torch.relu(self.down(c1))


class DictNeck(nn.Module):
    """Returns a dict of levels with the same channels, as some necks do."""

    def __init__(self, width: int, out: int = 4) -> None:
        super().__init__()
        self.p1 = nn.Conv2d(width, out, 1)
        self.p2 = nn.Conv2d(2 * width, out, 1)

    def forward(self, feats):
        return {'p1': self.p1(feats[0]), 'p2': self.p2(feats[1])}


class TinyDenseModel(BaseModel):
    """A dense-prediction-shaped model: backbone (tuple) -> neck (dict) -> per-pixel logits."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.backbone = TwoLevelBackbone(width)
        self.neck = DictNeck(width)
        self.head = nn.Conv2d(4, 3, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.head(self.neck(self.backbone(inputs))['p1'])
        if mode == 'loss':
            return {'loss': logits.pow(2).mean()}
        return logits


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def distiller(tmp_path, student_taps, teacher_taps, loss, loss_inputs, connectors=None):
    teacher = TinyDenseModel(8)
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return MODELS.build(dict(
        type='Distiller', student=TinyDenseModel(4), teacher=teacher, teacher_ckpt=str(path),
        input_shape=(1, 8, 8), student_taps=student_taps, teacher_taps=teacher_taps,
        connectors=connectors or {}, distill_losses=dict(loss=loss),
        loss_inputs=dict(loss=loss_inputs)))


@pytest.mark.parametrize('text, parsed', [
    ('neck', dict(source='neck')),
    ('neck[0]', dict(source='neck', index=0)),
    ('backbone[-1]', dict(source='backbone', index=-1)),
    ("neck['p2']", dict(source='neck', key='p2')),
    ('neck[p2]', dict(source='neck', key='p2')),
])
def test_tap_shorthand(text, parsed):
    assert parse_tap(text) == parsed


def test_index_and_key_pick_one_level():
    model = TinyDenseModel(4)
    taps = TapSet({'c2': 'backbone[1]', 'p2': "neck['p2']",
                   'c1': dict(type='ModuleOutputTap', source='backbone', index=0)}, 'student')
    x = torch.randn(2, 1, 8, 8)
    with taps.recording(model):
        model(x)
    c1, c2 = model.backbone(x)
    values = taps.values()
    torch.testing.assert_close(values['student.c1'], c1)
    torch.testing.assert_close(values['student.c2'], c2)
    torch.testing.assert_close(values['student.p2'], model.neck((c1, c2))['p2'])


def test_indexed_tuple_tap_through_a_connector_into_a_loss(tmp_path):
    model = distiller(tmp_path, dict(c2='backbone[1]'), dict(c2='backbone[1]'),
                      dict(type='FitNetsLoss'),
                      dict(student=('student.c2', 'adapt'), teacher='teacher.c2'),
                      connectors=dict(adapt=dict(type='ConvBNConnector')))
    assert model.connectors['adapt'].layers[0].out_channels == 16  # teacher width 8 * 2
    losses = model.loss(torch.randn(2, 1, 8, 8), None)
    assert losses['distill.loss'] > 0


def test_whole_tuple_reaches_a_loss_that_takes_levels(tmp_path):
    # AT compares attention maps level by level: the whole backbone tuple is a valid record
    model = distiller(tmp_path, dict(levels='backbone'), dict(levels='backbone'),
                      dict(type='ATLoss'), dict(student='student.levels', teacher='teacher.levels'))
    x = torch.randn(2, 1, 8, 8)
    whole = model.loss(x, None)['distill.loss']
    per_level = [
        distiller(tmp_path, dict(f=f'backbone[{i}]'), dict(f=f'backbone[{i}]'),
                  dict(type='ATLoss'), dict(student='student.f', teacher='teacher.f'))
        for i in (0, 1)]
    for m in per_level:  # the same weights in every model
        m.student.load_state_dict(model.student.state_dict())
        m.get_teacher().load_state_dict(model.get_teacher().state_dict())
    parts = [m.loss(x, None)['distill.loss'] for m in per_level]
    assert whole > 0 and all(p > 0 for p in parts)
    torch.testing.assert_close(whole, sum(parts))  # ATLoss sums its levels


def test_whole_tuple_into_a_one_tensor_loss_names_the_fix(tmp_path):
    with pytest.raises(BadConfigError, match=r"'student.c' records the whole output of backbone, "
                       r"a tuple of 2, which distill loss 'loss' \(FitNetsLoss\) cannot take.*"
                       r'student_taps.c="backbone\[0\]"'):
        distiller(tmp_path, dict(c='backbone'), dict(c='backbone[0]'), dict(type='FitNetsLoss'),
                  dict(student='student.c', teacher='teacher.c'))


def test_whole_dict_into_a_connector_names_the_key(tmp_path):
    with pytest.raises(BadConfigError, match=r"a dict with keys \['p1', 'p2'\], which connector "
                       r"'adapt' cannot take.*source='neck', key='p1'"):
        distiller(tmp_path, dict(p='neck'), dict(p="neck['p1']"), dict(type='FitNetsLoss'),
                  dict(student=('student.p', 'adapt'), teacher='teacher.p'),
                  connectors=dict(adapt=dict(type='ConvBNConnector')))


@pytest.mark.parametrize('tap, words', [
    ('backbone[2]', r"student_taps.c 'backbone\[2\]': backbone returns a tuple of 2; use an "
                    r'index from 0 to 1'),
    ("neck['p3']", r"student_taps.c \"neck\['p3'\]\": neck returns a dict with keys "
                   r"\['p1', 'p2'\]; use one of them"),
    ('neck[0]', r"neck returns a dict, not a tuple; drop the index"),
    ("head['x']", r'head returns a Tensor, not a dict; drop the key'),
])
def test_bad_element_is_reported_at_build(tmp_path, tap, words):
    with pytest.raises(BadConfigError, match=words):
        distiller(tmp_path, dict(c=tap), dict(c='head'), dict(type='FitNetsLoss'),
                  dict(student='student.c', teacher='teacher.c'))

"""A frozen teacher runs only as far as its taps: its forward pass stops once every tap has
recorded, when a full pass shows that stopping there changes no recorded value."""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.model import BaseModel
from torch import nn

from sfkd.models.taps import TapsComplete, TapSet
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration


class Counted(nn.Module):
    """Wraps a module and counts its calls."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.inner, self.calls = module, 0

    def forward(self, x):
        self.calls += 1
        return self.inner(x)


class Chain(BaseModel):
    """stem -> (optional in-place ReLU) -> mid -> head; ``mid`` twice if ``repeat``."""

    def __init__(self, width: int, inplace_after_stem: bool = False, repeat: bool = False):
        super().__init__()
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.act = nn.ReLU(inplace=True) if inplace_after_stem else nn.Identity()
        self.mid = nn.Conv2d(width, width, 3, padding=1)
        self.head = Counted(nn.Conv2d(width, 2, 1))
        self.repeat = repeat

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = self.mid(self.act(self.stem(inputs)))
        if self.repeat:
            x = self.mid(x)
        out = self.head(x)
        return {'loss': out.pow(2).mean()} if mode == 'loss' else out


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def record(model, taps, stop):
    x = torch.randn(2, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad(), taps.recording(model, stop_when_complete=stop):
        try:
            model(x)
        except TapsComplete:
            pass
    return taps.values()


def test_recording_stops_after_the_last_tap_with_the_same_values():
    model = Chain(4).eval()
    taps = TapSet(dict(a='stem', b='mid'), 'teacher')
    full = record(model, taps, stop=False)
    assert model.head.calls == 1 and taps.kept_first_records()
    early = record(model, taps, stop=True)
    assert model.head.calls == 1  # the head did not run again
    assert set(early) == {'teacher.a', 'teacher.b'}
    assert all(torch.equal(early[k], full[k]) for k in full)
    # with the flag off again, the pass runs to the end
    record(model, taps, stop=False)
    assert model.head.calls == 2


@pytest.mark.parametrize('kwargs, tap', [
    (dict(repeat=True), 'mid'),  # recorded twice per pass: the last value is the one used
    (dict(inplace_after_stem=True), 'stem'),  # an in-place ReLU changes the record later
])
def test_a_tap_recorded_twice_or_changed_in_place_does_not_stop_early(kwargs, tap):
    taps = TapSet(dict(t=tap), 'teacher')
    record(Chain(4, **kwargs).eval(), taps, stop=False)
    assert not taps.kept_first_records()


def distiller(tmp_path, teacher=None, **teacher_kwargs):
    """A FitNets distiller whose teacher (default ``Chain(8, **teacher_kwargs)``) is tapped
    at its stem."""
    teacher = teacher if teacher is not None else Chain(8, **teacher_kwargs)
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return MODELS.build(dict(
        type='Distiller', student=Chain(4), teacher=teacher, teacher_ckpt=str(path),
        input_shape=(1, 6, 6), student_taps=dict(feat='mid'), teacher_taps=dict(feat='stem'),
        connectors=dict(adapt=dict(type='ConvBNConnector')),
        distill_losses=dict(loss_hint=dict(type='FitNetsLoss')),
        loss_inputs=dict(loss_hint=dict(student=('student.feat', 'adapt'),
                                        teacher='teacher.feat')))).train()


def test_distiller_skips_the_teacher_layers_behind_its_taps(tmp_path):
    model = distiller(tmp_path)
    assert model.teacher_source.stops_early
    teacher = model.get_teacher()
    calls = teacher.head.calls
    x = torch.randn(3, 1, 6, 6, generator=torch.Generator().manual_seed(1))
    losses = model.loss(x, None)
    assert teacher.head.calls == calls  # the frozen teacher stopped at its stem
    # the hint loss, by hand: MSE of the adapted student mid features and the teacher stem
    with torch.no_grad():
        target = teacher.stem(x)
        hint = model.connectors['adapt'](model.student.mid(model.student.stem(x)))
    assert losses['distill.loss_hint'].item() == pytest.approx(
        ((hint - target) ** 2).mean().item(), rel=1e-5)


def test_distiller_runs_the_whole_teacher_when_a_record_changes_later(tmp_path):
    model = distiller(tmp_path, inplace_after_stem=True)
    assert not model.teacher_source.stops_early
    teacher = model.get_teacher()
    calls = teacher.head.calls
    x = torch.randn(3, 1, 6, 6, generator=torch.Generator().manual_seed(1))
    losses = model.loss(x, None)
    assert teacher.head.calls == calls + 1
    with torch.no_grad():  # the record is the stem output after the in-place ReLU, as before
        target = torch.relu(teacher.stem(x))
        hint = model.connectors['adapt'](model.student.mid(model.student.stem(x)))
    assert losses['distill.loss_hint'].item() == pytest.approx(
        ((hint - target) ** 2).mean().item(), rel=1e-5)


def test_a_trainable_teacher_runs_whole(tmp_path):
    teacher = Chain(8)
    model = MODELS.build(dict(
        type='Distiller', student=Chain(4), teacher=teacher, teacher_trainable=True,
        input_shape=(1, 6, 6), student_taps=dict(feat='stem'), teacher_taps=dict(feat='stem'),
        connectors=dict(adapt=dict(type='ConvBNConnector')),
        distill_losses=dict(loss_hint=dict(type='FitNetsLoss')),
        loss_inputs=dict(loss_hint=dict(student=('student.feat', 'adapt'),
                                        teacher='teacher.feat')))).train()
    assert not model.teacher_source.stops_early
    losses = model.loss(torch.randn(2, 1, 6, 6), None)
    assert 'teacher.loss' in losses and teacher.head.calls >= 1


# ------------------------------------------------- the stop through model code
CANVAS_DET = 'sfkd::_base_/models/canvas/retinanet_r18w16.py'


def calls_of(module: nn.Module) -> list:
    """A list that grows by one at each call of ``module``."""
    calls = []
    module.register_forward_hook(lambda *_: calls.append(1))
    return calls


def test_a_detector_forward_stops_at_its_fpn_tap_with_the_full_pass_records(tmp_path):
    from dense_batches import det_batch
    from sfkd.models.model_config import build_model
    torch.manual_seed(0)
    path = tmp_path / 'det_teacher.pth'
    torch.save({'state_dict': build_model(dict(cfg_path=CANVAS_DET)).state_dict()}, path)
    model = MODELS.build(dict(
        type='Distiller', student=dict(cfg_path=CANVAS_DET), teacher=dict(cfg_path=CANVAS_DET),
        teacher_ckpt=str(path), input_shape=(3, 64, 64),
        student_taps=dict(p3='neck[0]'), teacher_taps=dict(p3='neck[0]'),
        distill_losses=dict(loss_hint=dict(type='FitNetsLoss')),
        loss_inputs=dict(loss_hint=dict(student='student.p3', teacher='teacher.p3')))).train()
    assert model.teacher_source.stops_early
    teacher = model.get_teacher()
    head = calls_of(teacher.bbox_head.retina_cls)  # the head's last layer
    data = model.data_preprocessor(det_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])  # through RetinaNet.forward
    assert head == [] and {'student.loss_cls', 'distill.loss_hint'} <= set(losses)
    records = model.teacher_records(data['inputs'], data['data_samples'])
    with torch.no_grad():  # the whole pass, by hand
        full = teacher.neck(teacher.backbone(data['inputs']))
        teacher(data['inputs'], data['data_samples'], mode='tensor')
    assert len(head) == 3  # the full pass runs the head on each of the 3 levels
    assert torch.equal(records['p3'], full[0])


class Guarded(Chain):
    """A model that wraps its forward in a handler, as some model code does:
    ``except Exception`` (``catch_all=False``) or a bare ``except:`` that
    swallows everything and returns ``None`` (``catch_all=True``)."""

    def __init__(self, width: int, catch_all: bool = False) -> None:
        super().__init__(width)
        self.catch_all, self.handled = catch_all, 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if self.catch_all:
            try:
                return super().forward(inputs, data_samples, mode)
            except:  # noqa: E722 - what the test is about
                self.handled += 1
                return None
        try:
            return super().forward(inputs, data_samples, mode)
        except Exception:
            self.handled += 1
            return None


@pytest.mark.parametrize('catch_all', [False, True])
def test_a_handler_in_the_teacher_neither_keeps_it_running_nor_changes_the_records(
        tmp_path, catch_all):
    """``except Exception`` lets the stop through; a bare ``except:`` catches it,
    and the pass still ends there with the records of the full pass."""
    teacher = Guarded(8, catch_all)
    model = distiller(tmp_path, teacher)
    assert model.teacher_source.stops_early and teacher.handled == 0
    calls = teacher.head.calls
    x = torch.randn(3, 1, 6, 6, generator=torch.Generator().manual_seed(1))
    losses = model.loss(x, None)
    assert teacher.head.calls == calls  # stopped at the stem
    assert teacher.handled == (1 if catch_all else 0)
    with torch.no_grad():
        target = teacher.stem(x)
        hint = model.connectors['adapt'](model.student.mid(model.student.stem(x)))
    assert torch.equal(model.teacher_records(x, None)['feat'], target)
    assert losses['distill.loss_hint'].item() == pytest.approx(
        ((hint - target) ** 2).mean().item(), rel=1e-5)

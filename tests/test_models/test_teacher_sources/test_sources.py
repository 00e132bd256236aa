"""Teacher sources: each fills the Distiller's teacher taps with exact records, and a
source registered anywhere drives a Distiller without a change to any class."""
import pytest
import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from sfkd.models.teacher_sources import (CachedTeacher, LiveTeacher, NoTeacher, TeacherSource,
                                         TransformedInputs)
from sfkd.registry import MODELS
from sfkd.structures.teacher_cache_slot import SLOT_KEY
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

SHAPE = (1, 6, 6)  # as the x fixture (conftest.py)


class Net(BaseModel):
    """stem (a 3x3 conv to ``width`` maps) -> head (a 1x1 conv to 2); counts stem calls."""

    def __init__(self, width: int = 4, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.head = nn.Conv2d(width, 2, 1)
        self.stem_calls = 0
        self.stem.register_forward_hook(lambda *_: setattr(self, 'stem_calls',
                                                           self.stem_calls + 1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.head(self.stem(inputs))
        return {'loss': out.pow(2).mean()} if mode == 'loss' else out


class Flip(nn.Module):
    """An inputs transform: the teacher sees the batch mirrored."""

    def forward(self, inputs, data_samples):
        return inputs.flip(-1)


@MODELS.register_module(force=True)
class FixedRecords(TeacherSource):
    """A toy source (registered here, nowhere in sfkd): every teacher tap records
    ``value`` everywhere, in the shape ``(batch, channels, *input_shape[1:])``."""

    def __init__(self, value: float, channels: int = 4) -> None:
        self.value, self.channels = value, channels

    def _fill(self, batch, size):
        return torch.full((batch, self.channels, *size), self.value)

    def dry_run(self, taps, input_shape):
        return {f'teacher.{name}': self._fill(2, input_shape[1:]) for name in taps.taps}

    def records(self, taps, inputs, data_samples, losses):
        taps.load({name: self._fill(len(inputs), inputs.shape[2:]) for name in taps.taps})


def saved(model, tmp_path) -> str:
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def distiller(**teacher_options):
    """A FitNets hint between the two stems (same width: no connector)."""
    teacher_options.setdefault('teacher_taps', dict(feat='stem'))
    return MODELS.build(dict(
        type='Distiller', student=Net(seed=1), input_shape=SHAPE,
        student_taps=dict(feat='stem'), distill_losses=dict(hint=dict(type='FitNetsLoss')),
        loss_inputs=dict(hint=dict(student='student.feat', teacher='teacher.feat')),
        **teacher_options)).train()


def hint(model, x, target):
    with torch.no_grad():
        return F.mse_loss(model.student.stem(x), target).item()


def test_a_frozen_live_teacher_records_its_taps_and_stays_out_of_the_module_tree(tmp_path, x):
    teacher = Net()
    model = distiller(teacher=teacher, teacher_ckpt=saved(teacher, tmp_path))
    source = model.teacher_source
    assert type(source) is LiveTeacher and not source.trainable and source.stops_early
    assert model.get_teacher() is teacher and not teacher.training
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert source.cacheable() is None
    losses = model.loss(x, None)
    with torch.no_grad():
        target = teacher.stem(x)
    assert torch.equal(model.teacher_taps.taps['feat'].value, target)
    assert losses['distill.hint'].item() == pytest.approx(hint(model, x, target), rel=1e-6)
    assert not any(k.startswith('teacher.') for k in losses)


def test_a_trainable_live_teacher_adds_its_losses_and_is_saved(x):
    teacher = Net()
    model = distiller(teacher=teacher, teacher_trainable=True)
    source = model.teacher_source
    assert source.trainable and not source.stops_early and model.teacher is teacher
    assert 'teacher.stem.weight' in model.state_dict()
    assert source.cacheable() == \
        'its teacher is trained (teacher_trainable=True), so its outputs change'
    losses = model.loss(x, None)
    with torch.no_grad():
        out = teacher(x)
    assert losses['teacher.loss'].item() == pytest.approx(out.pow(2).mean().item(), rel=1e-6)
    assert losses['teacher.loss'].requires_grad


def test_transformed_inputs_run_the_teacher_on_the_transform_of_the_batch(tmp_path, x):
    teacher, flip = Net(), Flip()
    model = distiller(teacher=teacher, teacher_ckpt=saved(teacher, tmp_path),
                      teacher_inputs=flip)
    source = model.teacher_source
    assert type(source) is TransformedInputs and type(source.source) is LiveTeacher
    assert model.teacher_inputs is flip and model.get_teacher() is teacher
    assert source.cacheable() == 'model.teacher_inputs makes new teacher inputs at every step'
    losses = model.loss(x, None)
    with torch.no_grad():
        target = teacher.stem(x.flip(-1))
    assert torch.equal(model.teacher_taps.taps['feat'].value, target)
    assert losses['distill.hint'].item() == pytest.approx(hint(model, x, target), rel=1e-6)
    # a trained teacher is the first reason not to cache
    trained = distiller(teacher=Net(), teacher_trainable=True, teacher_inputs=Flip())
    assert trained.teacher_source.cacheable().startswith('its teacher is trained')


def test_no_teacher_records_nothing_and_refuses_a_teacher_route(x):
    model = MODELS.build(dict(type='Distiller', student=Net(), teacher=None, input_shape=SHAPE))
    assert type(model.teacher_source) is NoTeacher and model.get_teacher() is None
    assert model.teacher_source.cacheable() == 'the Distiller has no teacher'
    assert set(model.loss(x, None)) == {'student.loss'}
    with pytest.raises(BadConfigError) as err:
        distiller(teacher=None, teacher_taps=None)
    assert str(err.value) == (
        "loss_inputs.hint.teacher: 'teacher.feat' is a teacher tap, but model.teacher is None "
        "(a run without a teacher); route it from the student or the data (e.g. "
        "teacher='data.gt_label' for TeacherFreeKDLoss), or give model.teacher")


class Reader:
    """A teacher cache reader with fixed values; remembers the slots it read."""

    def __init__(self, value: torch.Tensor) -> None:
        self.value, self.reads = value, []

    def read(self, slots, device):
        self.reads.append(list(slots))
        return {'feat': self.value[slots].to(device)}


def samples(slots):
    return [BaseDataElement(metainfo={} if s is None else {SLOT_KEY: s}) for s in slots]


def test_the_cached_teacher_reads_slotted_batches_and_runs_the_teacher_for_the_rest(
        tmp_path, x):
    teacher = Net()
    model = distiller(teacher=teacher, teacher_ckpt=saved(teacher, tmp_path))
    live = model.teacher_source
    stored = torch.randn(5, 4, 6, 6, generator=torch.Generator().manual_seed(2))
    reader = Reader(stored)
    model.use_teacher_source(CachedTeacher(reader, fallback=live))
    assert model.teacher_source.cacheable() is None and model.get_teacher() is teacher
    calls = teacher.stem_calls
    losses = model.loss(x, samples([4, 0, 2]))
    assert reader.reads == [[4, 0, 2]] and teacher.stem_calls == calls  # the teacher did not run
    assert torch.equal(model.teacher_taps.taps['feat'].value, stored[[4, 0, 2]])
    assert losses['distill.hint'].item() == pytest.approx(
        hint(model, x, stored[[4, 0, 2]]), rel=1e-6)
    # a sample without a slot: the live teacher runs for the whole batch
    records = model.teacher_records(x, samples([1, None, 3]))
    with torch.no_grad():
        assert torch.equal(records['feat'], teacher.stem(x))
    assert len(reader.reads) == 1
    model.restore_teacher_source()
    assert model.teacher_source is live


def test_a_source_registered_outside_sfkd_drives_a_distiller(x):
    model = distiller(teacher_source=dict(type='FixedRecords', value=0.5))
    assert type(model.teacher_source) is FixedRecords and model.get_teacher() is None
    losses = model.loss(x, None)
    target = torch.full((3, 4, 6, 6), 0.5)
    assert torch.equal(model.teacher_taps.taps['feat'].value, target)
    assert losses['distill.hint'].item() == pytest.approx(hint(model, x, target), rel=1e-6)
    # its dry run sized the checks: a student of another width is refused by the loss check
    with pytest.raises(BadConfigError, match=r"distill loss 'hint' \(FitNetsLoss\) cannot "):
        distiller(teacher_source=dict(type='FixedRecords', value=0.5, channels=3))


def test_a_teacher_source_beside_the_teacher_options_is_refused(tmp_path):
    with pytest.raises(BadConfigError) as err:
        distiller(teacher=Net(), teacher_source=dict(type='FixedRecords', value=0.5))
    assert str(err.value) == (
        'model.teacher_source is set, and so is model.teacher; the source makes the teacher '
        'records: remove model.teacher, or model.teacher_source')


def test_the_teacher_cache_asks_the_source_whether_it_can_cache():
    from types import SimpleNamespace

    from sfkd.engine.hooks.teacher_cache_hook import TeacherCacheHook

    class Moving(FixedRecords):
        def cacheable(self):
            return 'its records move'

    model = distiller(teacher_source=Moving(0.5))
    with pytest.raises(BadConfigError) as err:
        TeacherCacheHook._distiller(SimpleNamespace(model=model))
    assert str(err.value) == \
        'teacher_cache cannot be used: its records move; remove teacher_cache'
    model = distiller(teacher_source=FixedRecords(0.5))
    assert TeacherCacheHook._distiller(SimpleNamespace(model=model)) is model


def test_a_teacher_of_another_normalisation_sees_its_own_batch_in_the_distiller(tmp_path):
    """Student normalised with the Fashion-MNIST mean/std, teacher trained on x / 255: the
    teacher's first layer receives raw / 255, in training and in the teacher's validation."""
    from mmengine.config import Config
    from sfkd_testing import ROOT
    from sfkd.models.model_config import build_model
    with DefaultScope.overwrite_default_scope('sfkd'):
        teacher_cfg = dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py',
                           data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                                                  num_classes=10, mean=[0.0], std=[255.0]))
        torch.save({'state_dict': build_model(dict(teacher_cfg)).state_dict()},
                   tmp_path / 'teacher.pth')
        cfg = Config.fromfile(f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py')
        model = cfg.model.to_dict()
        model.update(teacher=teacher_cfg, teacher_ckpt=str(tmp_path / 'teacher.pth'))
        distiller = MODELS.build(model)
    seen = []
    distiller.get_teacher().backbone.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach().clone()))
    from mmpretrain.structures import DataSample
    raw = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    data = dict(inputs=list(raw), data_samples=[DataSample().set_gt_label(i) for i in (0, 1)])
    batch = distiller.data_preprocessor(dict(data), True)
    assert not torch.allclose(batch['inputs'], raw.float() / 255)  # the student's batch
    distiller.loss(batch['inputs'], batch['data_samples'])
    torch.testing.assert_close(seen[-1], raw.float() / 255)
    distiller.teacher_val_step(dict(data))
    torch.testing.assert_close(seen[-1], raw.float() / 255)

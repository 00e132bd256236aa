"""Several named teachers in one Distiller: each records its own taps, routed as
``<name>.<tap>``; mixing them with the single-teacher options, reserved names and
routes from undeclared teachers are refused."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from sfkd.models.teacher_sources import TeacherSet
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

SHAPE = (1, 6, 6)  # as the x fixture (conftest.py)


class Net(BaseModel):
    """stem (a 3x3 conv to 4 maps) -> head (a 1x1 conv to 2 'logit' maps)."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.head(self.stem(inputs))
        return {'loss': out.pow(2).mean()} if mode == 'loss' else out


def saved(model, path) -> str:
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def build(tmp_path, routes=None, **options):
    """A student and teachers ``a`` and ``b``, a FitNets loss from each teacher's logits."""
    teachers = {}
    for name, seed in (('a', 2), ('b', 3)):
        model = Net(seed)
        teachers[name] = dict(teacher=model, ckpt=saved(model, tmp_path / f'{name}.pth'),
                              taps=dict(logits='head'))
    options.setdefault('teachers', teachers)
    return MODELS.build(dict(
        type='Distiller', student=Net(seed=1), input_shape=SHAPE,
        student_taps=dict(logits='head'),
        distill_losses=dict(loss_kd_a=dict(type='FitNetsLoss', loss_weight=0.5),
                            loss_kd_b=dict(type='FitNetsLoss', loss_weight=0.5)),
        loss_inputs=routes or dict(loss_kd_a=dict(student='student.logits', teacher='a.logits'),
                                   loss_kd_b=dict(student='student.logits', teacher='b.logits')),
        **options)).train()


def test_two_teachers_route_their_own_records_into_their_losses(tmp_path, x):
    model = build(tmp_path)
    source = model.teacher_source
    assert type(source) is TeacherSet
    a, b = (source.sources[n].teacher() for n in ('a', 'b'))
    assert model.get_teacher() is a  # the first teacher is the one validated
    assert not a.training and not b.training
    assert not any(p.requires_grad for p in [*a.parameters(), *b.parameters()])
    assert not any(k.startswith(('teacher', 'a.', 'b.')) for k in model.state_dict())
    assert all(source.sources[n].stops_early for n in ('a', 'b'))
    losses = model.loss(x, None)
    with torch.no_grad():
        student, out_a, out_b = model.student.head(model.student.stem(x)), a(x), b(x)
    assert not torch.equal(out_a, out_b)
    assert losses['distill.loss_kd_a'].item() == pytest.approx(
        0.5 * F.mse_loss(student, out_a).item(), rel=1e-6)
    assert losses['distill.loss_kd_b'].item() == pytest.approx(
        0.5 * F.mse_loss(student, out_b).item(), rel=1e-6)
    assert set(losses) == {'student.loss', 'distill.loss_kd_a', 'distill.loss_kd_b'}
    assert source.cacheable() == 'the Distiller has several teachers (a, b)'
    model.to(torch.float64)  # the frozen teachers move with the Distiller
    assert a.stem.weight.dtype == b.stem.weight.dtype == torch.float64


def test_teachers_and_the_single_teacher_options_are_refused_together(tmp_path):
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, teacher=Net())
    assert str(err.value) == (
        'model.teachers is set, and so is model.teacher; each of several teachers is '
        'configured in model.teachers.<name>: remove model.teacher (set it to None), or '
        'model.teachers')


@pytest.mark.parametrize('name', ['student', 'data'])
def test_a_reserved_teacher_name_is_refused(tmp_path, name):
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, teachers={name: dict(teacher=Net(), taps=dict(logits='head'))})
    assert str(err.value) == (
        f"model.teachers.{name}: {name!r} cannot name a teacher (its records route as "
        f"'{name}.<tap>'); use another name, e.g. 'a', not student or data")


def test_an_unknown_teacher_key_is_refused(tmp_path):
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, teachers=dict(a=dict(teacher=Net(), trainable=True)))
    assert str(err.value) == (
        "model.teachers.a has unknown keys ['trainable']; a teacher takes ['teacher', 'ckpt', "
        "'ckpt_hint', 'taps', 'source'] (a trainable teacher: use model.teacher)")


def test_a_teacher_without_weights_is_refused(tmp_path):
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, teachers=dict(a=dict(teacher=Net(), taps=dict(logits='head'))))
    assert str(err.value) == ('teachers.a.ckpt is required for a frozen teacher: set '
                              'model.teachers.a.ckpt to the checkpoint of a trained teacher')


def test_a_route_from_an_undeclared_teacher_lists_the_declared_taps(tmp_path):
    routes = dict(loss_kd_a=dict(student='student.logits', teacher='a.logits'),
                  loss_kd_b=dict(student='student.logits', teacher='c.logits'))
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, routes)
    assert str(err.value) == (
        "loss_inputs.loss_kd_b.teacher: 'c.logits' is not a declared tap; declared: "
        "['a.logits', 'b.logits', 'student.logits'] ('c' is not a model here: route from "
        "'student.', 'a.', 'b.' or 'data.')")


def test_a_route_from_an_undeclared_tap_names_the_teachers_taps_key(tmp_path):
    routes = dict(loss_kd_a=dict(student='student.logits', teacher='a.logits'),
                  loss_kd_b=dict(student='student.logits', teacher='b.feat'))
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, routes)
    assert str(err.value).endswith("(add it to teachers.b.taps)")

"""MappedCheckpointLoader alone: the ``{teacher_dir}`` placeholder, the key map, and the
refusals of a ``student_init`` config, on a two-layer model and hand-made state dicts."""
import pytest
import torch
from torch import nn

from sfkd.models.initializers import MappedCheckpointLoader, build_initializer
from sfkd.registry import TASK_UTILS
from sfkd.utils.errors import BadConfigError, CheckpointError

pytestmark = pytest.mark.unit

MADE_BY = 'sfkd-train sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'


def tiny() -> nn.Module:
    """Keys ``0.weight``, ``0.bias``, ``1.weight``, ``1.bias``."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))


def wrapper_state() -> dict:
    """An SFTN-like state: the branch student under ``students.b0.``, and more."""
    g = torch.Generator().manual_seed(1)
    return {'teacher.0.weight': torch.randn(5, 2, generator=g),
            'students.b0.0.weight': torch.randn(3, 2, generator=g),
            'students.b0.0.bias': torch.randn(3, generator=g),
            'students.b0.1.weight': torch.randn(1, 3, generator=g),
            'students.b0.1.bias': torch.randn(1, generator=g)}


@pytest.fixture
def run_dir(tmp_path):
    """A teacher run's folder: teacher_final.pth and the branch student's whole checkpoint."""
    torch.save({'state_dict': {}}, tmp_path / 'teacher_final.pth')
    torch.save({'state_dict': wrapper_state()}, tmp_path / 'sft_run.pth')
    return tmp_path


def test_is_registered_and_the_default_type_of_student_init():
    assert TASK_UTILS.get('MappedCheckpointLoader') is MappedCheckpointLoader
    loader = build_initializer(dict(checkpoint='a.pth', key_map={'x.': ''}, strict=False))
    assert isinstance(loader, MappedCheckpointLoader)
    assert (loader.checkpoint, loader.key_map, loader.strict, loader.required,
            loader.made_by) == ('a.pth', {'x.': ''}, False, True, None)


def test_teacher_dir_is_the_folder_of_the_teacher_checkpoint():
    loader = MappedCheckpointLoader('{teacher_dir}/sft_student_final.pth')
    assert loader.resolve('/runs/sft/teacher_final.pth') == '/runs/sft/sft_student_final.pth'
    assert loader.resolve('teacher_final.pth') == './sft_student_final.pth'
    assert MappedCheckpointLoader('/a/b.pth').resolve(None) == '/a/b.pth'
    with pytest.raises(BadConfigError) as err:
        loader.resolve(None)
    assert str(err.value) == ('model.student_init.checkpoint names {teacher_dir}, the folder of '
                              'model.teacher_ckpt, which is not set')


def test_key_map_renames_the_prefix_and_drops_the_rest(run_dir):
    model = tiny()
    loader = build_initializer(dict(checkpoint='{teacher_dir}/sft_run.pth',
                                    key_map={'students.b0.': ''}))
    report = loader.load(model, teacher_ckpt=str(run_dir / 'teacher_final.pth'))
    assert report['loaded'] == ['0.weight', '0.bias', '1.weight', '1.bias']
    assert report['missing'] == report['unexpected'] == report['never_trained'] == []
    state = wrapper_state()
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[f'students.b0.{key}'])


def test_strict_false_loads_what_matches_and_reports_the_rest(tmp_path):
    state = {'0.weight': torch.ones(3, 2), '0.bias': torch.ones(3), 'extra.w': torch.ones(1)}
    torch.save({'state_dict': state}, tmp_path / 'part.pth')
    model = tiny()
    before = model[1].weight.detach().clone()
    with pytest.raises(CheckpointError, match='or strict=False to load the matching'):
        MappedCheckpointLoader(str(tmp_path / 'part.pth')).load(tiny())
    report = MappedCheckpointLoader(str(tmp_path / 'part.pth'), strict=False).load(model)
    assert report['loaded'] == ['0.weight', '0.bias']
    assert report['missing'] == ['1.weight', '1.bias'] and report['unexpected'] == ['extra.w']
    assert torch.equal(model[0].weight, torch.ones(3, 2))
    assert torch.equal(model[1].weight, before)  # left as built


def test_missing_file_leaves_the_model_as_built_unless_required(run_dir):
    model = tiny()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    teacher = str(run_dir / 'teacher_final.pth')
    loader = build_initializer(dict(checkpoint='{teacher_dir}/nope.pth', required=False))
    assert loader.load(model, teacher_ckpt=teacher) is None
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    with pytest.raises(CheckpointError) as err:
        build_initializer(dict(checkpoint='{teacher_dir}/nope.pth', made_by=MADE_BY)).load(
            model, teacher_ckpt=teacher)
    assert str(err.value) == (
        f"student checkpoint '{run_dir}/nope.pth' not found; this config's student is made by "
        f'`{MADE_BY}` (run it first), or set model.student_init.checkpoint to an existing '
        'checkpoint')


@pytest.mark.parametrize('cfg, got', [
    (dict(checkpoint='a.pth', keymap={'x.': ''}), "['checkpoint', 'keymap']"),
    (dict(key_map={'x.': ''}), "['key_map']"),
    (dict(checkpoint=None), "['checkpoint']"),
    ('a.pth', "'a.pth'"),
])
def test_a_student_init_that_is_not_a_loader_config_is_refused(cfg, got):
    with pytest.raises(BadConfigError) as err:
        build_initializer(cfg)
    assert str(err.value) == (
        f'model.student_init takes checkpoint, key_map, strict, required and made_by, got '
        f"{got}; e.g. dict(checkpoint='work_dirs/<sft run>/epoch_3.pth', key_map="
        "{'students.b0.': ''})")


def test_an_unknown_loader_type_is_refused():
    with pytest.raises(BadConfigError) as err:
        build_initializer(dict(type='MappedCheckpointLoder', checkpoint='a.pth'))
    assert str(err.value) == ("model.student_init: unknown type 'MappedCheckpointLoder'; leave "
                              'type out for MappedCheckpointLoader')

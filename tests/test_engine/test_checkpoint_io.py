"""sfkd's checkpoint reader: safe loading, and errors that say which file to use."""
import os.path as osp
import pickle

import pytest
import torch
from torch import nn

from sfkd.engine.checkpoint_io import KD_FROM_SFTN, load_weights, read_state_dict
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.unit


class Plant:
    """Pickles as ``open(path, 'w')``: loading the file would create ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), 'w'))


class SystemCall:
    """Pickles as ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        import os
        return (os.system, (self.command, ))


def plain() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


@pytest.mark.parametrize('payload', ['open', 'system'])
def test_reader_refuses_a_pickle_that_would_run_code(tmp_path, payload):
    marker = tmp_path / 'MARKER'
    evil = Plant(marker) if payload == 'open' else SystemCall(f'touch {marker}')
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': plain().state_dict(), 'meta': evil}, path)
    name = 'io.open' if payload == 'open' else r'(posix|os)\.system'
    with pytest.raises(CheckpointError, match=rf"^teacher checkpoint '.*evil.pth' asks to "
                       rf"unpickle {name}, which is neither a tensor nor one of MMEngine's "
                       r'logging types: refused, so that no code in the file runs'):
        read_state_dict(str(path), owner='teacher')
    assert not marker.exists()
    # the payload is real: an unsafe load would have run it
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_a_directory_names_the_file_inside(tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    torch.save({'state_dict': plain().state_dict()}, run / 'epoch_3.pth')
    (run / 'last_checkpoint').write_text(str(run / 'epoch_3.pth'))
    with pytest.raises(CheckpointError, match=rf"^teacher checkpoint '{run}' is a directory; pass "
                       rf"a checkpoint file inside it, e.g. '{run}/epoch_3.pth'$"):
        read_state_dict(str(run), owner='teacher')
    torch.save({'state_dict': plain().state_dict()}, run / 'teacher_final.pth')
    with pytest.raises(CheckpointError, match=r"e.g. '.*/run/teacher_final.pth'$"):
        read_state_dict(str(run), owner='teacher')


def wrapper_state(prefixes):
    state = {}
    for prefix in prefixes:
        state.update({f'{prefix}{k}': v for k, v in plain().state_dict().items()})
    return state


@pytest.mark.parametrize('prefixes, words', [
    (['student.', 'connectors.hint.'], r"is a Distiller checkpoint \(keys student.\*\): use "
                                       r"'.*/student_final.pth'.*sfkd-export-student .* student.pth"),
    (['teacher.', 'students.b0.', 'transforms.b0_0.'],
     r"is an SFTN/SoTeacher checkpoint \(keys teacher.\*\): use "
     r"'.*/teacher_final.pth'.*sfkd-export-student .* teacher.pth --part teacher"),
    (['teacher.'], r'is an SFTN/SoTeacher checkpoint'),
])
def test_wrapper_checkpoint_into_a_plain_model_names_the_export(tmp_path, prefixes, words):
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': wrapper_state(prefixes)}, path)
    with pytest.raises(CheckpointError, match=words):
        load_weights(plain(), str(path), owner='test')


def sftn_state(teacher: nn.Module) -> dict:
    """An SFTN run's state: ``teacher``, the branch student ``plain()``, a transform."""
    return {**{f'teacher.{k}': v for k, v in teacher.state_dict().items()},
            **{f'students.b0.{k}': v for k, v in plain().state_dict().items()},
            **{f'transforms.b0_0.{k}': v for k, v in nn.Linear(4, 4).state_dict().items()}}


@pytest.mark.parametrize('teacher, what', [
    (nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8)),
     'the architecture of its branch student students.b0, not of its teacher'),
    (nn.Sequential(nn.Linear(3, 8)), 'not its teacher')])
def test_sftn_checkpoint_into_a_model_that_is_not_its_teacher_says_there_is_no_student(
        tmp_path, teacher, what):
    path = tmp_path / 'epoch_1.pth'
    state = sftn_state(teacher)
    if what == 'not its teacher':  # a model that is neither the teacher nor the student
        state = {k: v for k, v in state.items() if not k.startswith('students.')}
        state.update({f'students.b0.{k}': v for k, v in nn.Linear(3, 2).state_dict().items()})
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointError) as err:
        load_weights(plain(), str(path), owner='test', model_name='the model of student.py')
    final = f'{tmp_path}/teacher_final.pth'
    assert str(err.value) == (
        f"test checkpoint '{path}' is an SFTN checkpoint (keys teacher.*, "
        f'students.*) and the model of student.py is {what}: an SFTN run trains a teacher, whose '
        "branch students run on the teacher's early stages, so the run holds no complete "
        f"student; test the teacher with the teacher config and '{final}', or train a student "
        'from it with a KD config like sfkd::kd/kd-sftn_*.py: sfkd-train '
        'sfkd::kd/kd-sftn_small-resnet_tiny-resnet_fashion-mnist.py --cfg-options '
        f'model.teacher_ckpt={final}')
    from sfkd.utils.config_loading import config_file
    assert osp.isfile(config_file(KD_FROM_SFTN))  # one of sfkd's installed configs


def test_other_architecture_lists_the_mismatch(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': nn.Sequential(nn.Linear(3, 5)).state_dict()}, path)
    with pytest.raises(CheckpointError, match=r"does not fit the test model: 5 missing keys .*"
                       r"2 shape mismatches \(e.g. \['0.weight: checkpoint \(5, 3\) vs model "
                       r"\(4, 3\)'"):
        load_weights(plain(), str(path), owner='test')


def test_a_fitting_checkpoint_loads_exactly(tmp_path):
    source = plain()
    with torch.no_grad():
        source[0].weight.add_(1.0)
    path = tmp_path / 'ok.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in source.state_dict().items()}}, path)
    target = plain()
    load_weights(target, str(path))
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key

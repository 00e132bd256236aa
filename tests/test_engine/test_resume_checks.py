"""A resume checks the work dir before it loads or writes anything (sfkd.engine.resume):
a checkpoint of another config is refused in one line through every entry point
(tools/train.py, sfkd-train, the runner built from the config), the work dir's own
newest checkpoint is taken when last_checkpoint is missing or names another folder, and
a run that writes over checkpoints it did not write says so."""
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config
from sfkd_testing import BASELINE_CFG, ROOT, subprocess_env, tiny_options

from sfkd.engine.resume import checkpoint_to_resume, overwrite_warning
from sfkd.tools import train as train_tool
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.e2e

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
STUDENT = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
OPTIONS = ['--cfg-options', *tiny_options(train=128, test=64, epochs=1)]


def digests(folder) -> dict:
    return {f: hashlib.sha256(open(osp.join(folder, f), 'rb').read()).hexdigest()
            for f in sorted(os.listdir(folder)) if osp.isfile(osp.join(folder, f))}


@pytest.fixture(scope='module')
def trained(tmp_path_factory, fmnist_root):
    """A 1-epoch run of the baseline (the small ResNet) in its own work dir."""
    work = str(tmp_path_factory.mktemp('baseline'))
    train_tool.run([BASELINE_CFG, '--work-dir', work, *OPTIONS])
    return work


@pytest.fixture
def work_dir(trained, tmp_path):
    """A copy of the trained work dir (its last_checkpoint still names the original)."""
    work = str(tmp_path / 'work')
    shutil.copytree(trained, work)
    return work


MESSAGE = "the checkpoint does not fit this config's model"


def resume_with(entry: str, work_dir: str, capsys, monkeypatch):
    """``--resume`` with the student config in ``work_dir``: tools/train.py run as a
    script in this process, or the installed sfkd-train in a child process; returns
    (exit status, stderr)."""
    args = [STUDENT, '--work-dir', work_dir, '--resume', *OPTIONS]
    if entry == 'sfkd-train':
        proc = subprocess.run([osp.join(osp.dirname(sys.executable), 'sfkd-train'), *args],
                              capture_output=True, text=True, timeout=300, env=subprocess_env())
        return proc.returncode, proc.stderr
    import runpy
    monkeypatch.setattr(sys, 'argv', [osp.join(ROOT, 'tools', 'train.py'), *args])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(osp.join(ROOT, 'tools', 'train.py'), run_name='__main__')
    return 1 if done.value.code else 0, capsys.readouterr().err + str(done.value.code)


@pytest.mark.parametrize('entry', ['tools/train.py', 'sfkd-train'])
def test_a_checkpoint_of_another_config_is_refused_in_one_line(entry, work_dir, capsys,
                                                               monkeypatch):
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    before = digests(work_dir)
    status, err = resume_with(entry, work_dir, capsys, monkeypatch)
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith(f'sfkd: error: --resume {work_dir}/epoch_1.pth: {MESSAGE} (')
    assert 'another config wrote it (the config dump there is ' in last
    assert 'Traceback' not in err
    assert digests(work_dir) == before  # nothing written over, nothing added


def test_the_runner_built_from_the_config_refuses_it_too(work_dir, trained):
    """A distiller's config on the baseline's work dir, its teacher that baseline."""
    from sfkd.engine.runner import SfkdRunner
    cfg = Config.fromfile(KD)
    cfg.merge_from_dict({'work_dir': work_dir, 'resume': True, 'load_from': None,
                         'model.teacher_ckpt': f'{trained}/epoch_1.pth'})
    before = digests(work_dir)
    with pytest.raises(CheckpointError, match=MESSAGE):
        SfkdRunner.from_cfg(cfg)
    assert digests(work_dir) == before


def test_without_last_checkpoint_the_newest_own_checkpoint_is_resumed(work_dir):
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    found, why = checkpoint_to_resume(work_dir)
    assert found == osp.join(work_dir, 'epoch_1.pth')
    assert why == (f'{work_dir} has no last_checkpoint file; this is the newest checkpoint in '
                   'the work dir')
    runner = train_tool.run([BASELINE_CFG, '--work-dir', work_dir, '--resume',
                             '--cfg-options', *tiny_options(train=128, test=64, epochs=2)])
    assert runner.epoch == 2 and osp.isfile(osp.join(work_dir, 'epoch_2.pth'))


def test_last_checkpoint_naming_another_folder_is_not_followed(work_dir, trained):
    assert open(osp.join(work_dir, 'last_checkpoint')).read().strip().startswith(trained)
    found, why = checkpoint_to_resume(work_dir)
    assert found == osp.join(work_dir, 'epoch_1.pth')
    assert why.startswith(f'its last_checkpoint names {trained}/epoch_1.pth, outside this work')
    # a pointer to a file that is gone, and no checkpoint of its own: nothing to resume
    other = osp.join(osp.dirname(work_dir), 'empty')
    os.mkdir(other)
    with open(osp.join(other, 'last_checkpoint'), 'w') as f:
        f.write(f'{trained}/epoch_9.pth')
    assert checkpoint_to_resume(other) == (
        None, f'its last_checkpoint names {trained}/epoch_9.pth, which does not exist')


def test_writing_over_earlier_checkpoints_is_said(work_dir, tmp_path):
    assert overwrite_warning(str(tmp_path / 'new'), None) is None
    said = overwrite_warning(work_dir, None)
    assert said == (f'{work_dir} holds checkpoints of an earlier run (epoch_1.pth, '
                    'teacher_final.pth); this run '
                    'writes over those of the same name: --resume continues that run, another '
                    '--work-dir keeps them')
    shutil.copy(osp.join(work_dir, 'epoch_1.pth'), osp.join(work_dir, 'epoch_2.pth'))
    assert overwrite_warning(work_dir, osp.join(work_dir, 'epoch_1.pth')) == (
        f'resuming from epoch_1.pth: the later epoch_2.pth in {work_dir} will be written over '
        'as this run reaches them')
    assert overwrite_warning(work_dir, osp.join(work_dir, 'epoch_2.pth')) is None


AT = f'{ROOT}/configs/at/at_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS = f'{ROOT}/configs/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'


@pytest.fixture(scope='module')
def kd_work_dir(trained, tmp_path_factory):
    """A 1-epoch KD run (its teacher the baseline run) in its own work dir."""
    work = str(tmp_path_factory.mktemp('kd'))
    train_tool.run([KD, '--work-dir', work, *OPTIONS,
                    f'model.teacher_ckpt={trained}/epoch_1.pth'])
    return work


@pytest.mark.parametrize('config, problem', [
    # the same student and teacher weights, another method: told apart by the stored config
    (AT, "the model configs differ: model.distill_losses.loss_at only in this config, "
         "model.distill_losses.loss_kd only in the checkpoint's config, "),
    # a connector the KD run has no weights for
    (FITNETS, "6 missing keys (e.g. ['connectors.hint.layers.0.weight'"),
    # the student alone on a distiller's checkpoint: no key of it fits
    (STUDENT, ''),
])
def test_a_kd_work_dir_resumed_with_another_method_is_refused(config, problem, kd_work_dir,
                                                              trained):
    before = digests(kd_work_dir)
    with pytest.raises(SystemExit) as err:
        train_tool.run([config, '--work-dir', kd_work_dir, '--resume', *OPTIONS,
                        f'model.teacher_ckpt={trained}/epoch_1.pth'][:None if config != STUDENT
                                                                     else -1])
    message = str(err.value.code)
    assert message.startswith(f'sfkd: error: --resume {kd_work_dir}/epoch_1.pth: {MESSAGE} (')
    assert problem in message and '\n' not in message
    assert digests(kd_work_dir) == before  # student_final.pth and the rest untouched


def test_the_same_config_resumes_its_own_run(kd_work_dir, trained, tmp_path):
    work = str(tmp_path / 'kd')
    shutil.copytree(kd_work_dir, work)
    runner = train_tool.run([KD, '--work-dir', work, '--resume', '--cfg-options',
                             *tiny_options(train=128, test=64, epochs=2),
                             f'model.teacher_ckpt={trained}/epoch_1.pth'])
    assert runner.epoch == 2

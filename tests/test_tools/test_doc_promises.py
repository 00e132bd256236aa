"""What the docs promise about the tools, each checked end to end: --resume PATH,
tools/export_student.py, test_metrics.json, sfkd-test, dist_test.sh, SFKD_DEBUG=1, the
config dump of a failed run, strict test loads of wrapper configs, and the version
warning at import."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import BASELINE_CFG, ROOT, subprocess_env, tiny_options

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
STUDENT = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
DUMP = osp.basename(BASELINE_CFG)
TRAINED = dict(epochs=2, train=2048, batch=64)


def options(epochs=1, train=128, batch=32):
    return ['--cfg-options', *tiny_options(train=train, test=64, batch=batch, epochs=epochs),
            'randomness.seed=11']


@pytest.fixture(scope='module')
def trained(tmp_path_factory, fmnist_root):
    """A 2-epoch baseline run (epoch_1.pth and epoch_2.pth), on enough data to beat chance."""
    work = tmp_path_factory.mktemp('full')
    train_tool.run([BASELINE_CFG, '--work-dir', str(work), *options(**TRAINED)])
    return work


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def test_resume_from_a_given_path(trained, tmp_path):
    other = tmp_path / 'other'
    runner = train_tool.run([BASELINE_CFG, '--work-dir', str(other), '--resume',
                             str(trained / 'epoch_1.pth'), *options(**TRAINED)])
    assert runner.epoch == 2
    # only epoch 2 was trained here, continuing from the given checkpoint ...
    assert not (other / 'epoch_1.pth').exists() and (other / 'epoch_2.pth').is_file()
    # ... and it ends where the uninterrupted run ended
    a, b = weights(trained / 'epoch_2.pth'), weights(other / 'epoch_2.pth')
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6, msg=key)


def test_test_tool_writes_test_metrics_json_in_the_work_dir(trained, tmp_path):
    work = tmp_path / 'test'
    metrics = test_tool.run([BASELINE_CFG, str(trained / 'epoch_2.pth'), '--work-dir', str(work),
                             *options()])
    saved = json.load(open(work / 'test_metrics.json'))
    assert saved['checkpoint'] == str(trained / 'epoch_2.pth')
    assert saved['metrics'] == pytest.approx(metrics) and 'accuracy/top1' in metrics
    # a test run leaves no config dump in the work dir
    assert not (work / DUMP).exists()


def test_sfkd_test_console_script(trained, tmp_path):
    script = shutil.which('sfkd-test', path=osp.dirname(sys.executable))
    assert script, 'sfkd-test is not installed next to this Python (pip install -e .)'
    work = tmp_path / 'console'
    proc = subprocess.run([script, BASELINE_CFG, str(trained / 'epoch_2.pth'), '--work-dir',
                           str(work), *options()], cwd=str(tmp_path),
                          env=subprocess_env(PYTHONPATH=''), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = json.load(open(work / 'test_metrics.json'))
    reference = test_tool.run([BASELINE_CFG, str(trained / 'epoch_2.pth'), '--work-dir',
                               str(tmp_path / 'ref'), *options()])
    assert saved['metrics'] == pytest.approx(reference)


@pytest.mark.distributed
def test_dist_test_on_two_cpu_processes(trained, tmp_path, free_port):
    work = tmp_path / 'dist'
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_test.sh'), BASELINE_CFG,
         str(trained / 'epoch_2.pth'), '2', '--work-dir', str(work), *options()],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
        env=subprocess_env(PORT=str(free_port), CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    # rank 0 alone writes the metrics, of the whole test set
    saved = json.load(open(work / 'test_metrics.json'))
    reference = test_tool.run([BASELINE_CFG, str(trained / 'epoch_2.pth'), '--work-dir',
                               str(tmp_path / 'ref'), *options()])
    assert saved['metrics'] == pytest.approx(reference)
    assert proc.stdout.count('metrics saved to') == 1


@pytest.fixture(scope='module')
def wrappers(tmp_path_factory):
    """A Distiller's and an SFTN teacher's state dicts as checkpoints."""
    d = tmp_path_factory.mktemp('wrappers')
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
        torch.save({'state_dict': teacher.state_dict()}, d / 'teacher.pth')
        kd = Config.fromfile(KD).model.to_dict()
        kd['teacher_ckpt'] = str(d / 'teacher.pth')
        distiller = MODELS.build(kd)
        sftn = MODELS.build(Config.fromfile(SFTN).model.to_dict())
    torch.save({'state_dict': distiller.state_dict()}, d / 'kd_epoch_1.pth')
    torch.save({'state_dict': sftn.state_dict()}, d / 'sftn_epoch_1.pth')
    return d, distiller, sftn


@pytest.mark.parametrize('part', ['student', 'teacher'])
def test_export_student_command_line(wrappers, tmp_path, part):
    d, distiller, sftn = wrappers
    src = d / ('kd_epoch_1.pth' if part == 'student' else 'sftn_epoch_1.pth')
    out = tmp_path / f'{part}.pth'
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'export_student.py'), str(src), str(out)]
    proc = subprocess.run(cmd + (['--part', 'teacher'] if part == 'teacher' else []),
                          cwd=str(tmp_path), env=subprocess_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = (distiller.student if part == 'student' else sftn.teacher).state_dict()
    exported = weights(out)
    assert exported.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(exported[key], value), key
    assert proc.stdout.strip() == f'wrote {len(expected)} tensors to {out}'


def test_export_student_refuses_a_plain_checkpoint(wrappers, tmp_path):
    d, _, _ = wrappers
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'export_student.py'),
                           str(d / 'teacher.pth'), str(tmp_path / 'out.pth')],
                          cwd=str(tmp_path), env=subprocess_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"sfkd: error: '{d / 'teacher.pth'}' has no keys starting with 'student.'")
    assert not (tmp_path / 'out.pth').exists()


@pytest.fixture(scope='module')
def trained_student(tmp_path_factory, fmnist_root):
    """A 2-epoch run of the plain student config, on enough data to beat chance."""
    work = tmp_path_factory.mktemp('student')
    train_tool.run([STUDENT, '--work-dir', str(work), *options(**TRAINED)])
    return work / 'epoch_2.pth'


@pytest.mark.parametrize('method', ['kd', 'sftn'])
def test_wrapper_config_tests_its_own_checkpoint(wrappers, trained, trained_student, tmp_path,
                                                 method):
    d, distiller, sftn = wrappers
    if method == 'kd':  # a distiller whose student is the trained one
        config, plain_config, plain, part = KD, STUDENT, trained_student, 'student'
        wrapper = distiller.state_dict()
    else:  # an SFTN wrapper whose teacher is the trained baseline
        config, plain_config, plain, part = SFTN, BASELINE_CFG, trained / 'epoch_2.pth', 'teacher'
        wrapper = sftn.state_dict()
    wrapper.update({f'{part}.{k}': v for k, v in weights(plain).items()})
    torch.save({'state_dict': wrapper}, tmp_path / 'epoch_1.pth')
    extra = [f'model.teacher_ckpt={d / "teacher.pth"}'] if method == 'kd' else []
    via_wrapper = test_tool.run([config, str(tmp_path / 'epoch_1.pth'), '--work-dir',
                                 str(tmp_path / 'a'), *options(), *extra])
    via_plain = test_tool.run([plain_config, str(plain), '--work-dir', str(tmp_path / 'b'),
                               *options()])
    assert via_wrapper['accuracy/top1'] == pytest.approx(via_plain['accuracy/top1'])
    assert via_plain['accuracy/top1'] > 20  # trained weights, not chance (10%)


def test_sfkd_debug_shows_the_traceback(tmp_path, monkeypatch):
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), KD, '--work-dir',
           str(tmp_path / 'w'), '--cfg-options', 'model.teacher_ckpt=/nope/teacher.pth']
    message = "teacher checkpoint '/nope/teacher.pth' not found"
    # without SFKD_DEBUG: the one line (the command's main, in this process)
    monkeypatch.delenv('SFKD_DEBUG', raising=False)
    with pytest.raises(SystemExit) as plain:
        train_tool.main(cmd[2:])
    assert str(plain.value.code).startswith(f'sfkd: error: {message}')
    # with it: the interpreter's own traceback, in a process of its own
    debug = subprocess.run(cmd, cwd=ROOT, env=subprocess_env(SFKD_DEBUG='1'),
                           capture_output=True, text=True, timeout=300)
    assert debug.returncode != 0
    assert 'Traceback (most recent call last)' in debug.stderr
    assert 'sfkd.utils.errors.CheckpointError' in debug.stderr and message in debug.stderr
    assert 'checkpoint_io.py' in debug.stderr  # the frame that raised it


def test_version_warning_at_import():
    code = ("from importlib import metadata\n"
            "real = metadata.version\n"
            "metadata.version = lambda d: '0.9.0' if d == 'mmengine' else real(d)\n"
            "import sfkd\n")
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert ('sfkd: mmengine 0.9.0 is outside the supported range >=0.10.0,<1.0.0; fix: pip '
            'install mmengine==0.10.7') in proc.stderr
    clean = subprocess.run([sys.executable, '-c', 'import sfkd'], cwd=ROOT, env=subprocess_env(),
                           capture_output=True, text=True, timeout=120)
    assert 'outside the supported range' not in clean.stderr


def test_failed_run_keeps_the_config_dump_of_the_earlier_run(tmp_path, fmnist_root):
    work = tmp_path / 'work'
    train_tool.run([BASELINE_CFG, '--work-dir', str(work), *options(),
                    'optim_wrapper.optimizer.lr=0.0123'])
    dump = (work / DUMP).read_text()
    assert 'lr=0.0123' in dump
    checkpoint = (work / 'epoch_1.pth').read_bytes()
    # the same config again, with a learning rate that blows up after the first step
    with pytest.raises(SystemExit, match='non-finite loss at iteration'):
        train_tool.run([BASELINE_CFG, '--work-dir', str(work), *options(),
                        'optim_wrapper.optimizer.lr=1e30'])
    assert (work / DUMP).read_text() == dump
    assert (work / 'epoch_1.pth').read_bytes() == checkpoint
    # the failed run's config is kept in its own log dir
    logged = [open(p).read() for p in work.glob('*/vis_data/config.py')]
    assert any('lr=1e+30' in text for text in logged), logged
    assert os.listdir(work)  # and nothing was removed


def test_error_is_the_last_line_set_apart(tmp_path, fmnist_root):
    # the teacher checkpoint is read after MMEngine has logged the environment and the config
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), KD, '--work-dir', str(tmp_path / 'w'),
         '--cfg-options', *tiny_options(train=64, test=32), 'model.teacher_ckpt=/nope/t.pth'],
        cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=300)
    lines = proc.stdout.rstrip('\n').splitlines()
    assert proc.returncode != 0 and len(lines) > 20  # the logs come first
    assert lines[-1].startswith("sfkd: error: teacher checkpoint '/nope/t.pth' not found")
    assert lines[-2] == ''

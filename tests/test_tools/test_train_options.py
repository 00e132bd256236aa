"""tools/train.py options and launch scripts that OpenMMLab users expect."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from sfkd_testing import ROOT, subprocess_env, tiny_options

from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

TINY = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'


def test_auto_scale_lr_scales_by_the_total_batch(tmp_path, fmnist_root):
    # the config's lr 0.1 is for a batch of 128 (auto_scale_lr.base_batch_size)
    runner = train_tool.run([TINY, '--work-dir', str(tmp_path / 'w'), '--auto-scale-lr',
                             '--cfg-options', *tiny_options(train=64, test=64, batch=32)])
    initial = [g['initial_lr'] for g in runner.optim_wrapper.optimizer.param_groups]
    assert initial == pytest.approx([0.1 * 32 / 128] * len(initial))


def test_without_auto_scale_lr_the_lr_is_the_configs(tmp_path, fmnist_root):
    runner = train_tool.run([TINY, '--work-dir', str(tmp_path / 'w'),
                             '--cfg-options', *tiny_options(train=64, test=64, batch=32)])
    initial = [g['initial_lr'] for g in runner.optim_wrapper.optimizer.param_groups]
    assert initial == pytest.approx([0.1] * len(initial))


def test_auto_scale_lr_needs_a_base_batch_size(tmp_path):
    with pytest.raises(SystemExit, match=r'^sfkd: error: --auto-scale-lr needs auto_scale_lr'):
        train_tool.build_config(train_tool.parse_args(
            [TINY, '--auto-scale-lr', '--cfg-options', 'auto_scale_lr.base_batch_size=0']))


def test_tensorboard_writes_event_files(tmp_path, fmnist_root):
    pytest.importorskip('tensorboard')
    work = tmp_path / 'w'
    train_tool.run([TINY, '--work-dir', str(work), '--tensorboard',
                    '--cfg-options', *tiny_options(train=64, test=64, batch=32)])
    events = list(work.glob('*/vis_data/events.out.tfevents.*'))
    assert events and events[0].stat().st_size > 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    assert 'loss' in acc.Tags()['scalars']
    assert len(acc.Scalars('loss')) == 2  # 64 images in batches of 32, logged every iteration
    # the plain log is still written
    assert list(work.glob('*/vis_data/scalars.json'))


@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is present')
def test_sync_bn_on_cpu_is_refused_in_one_process(tmp_path):
    work = tmp_path / 'w'
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), TINY,
                           '--work-dir', str(work), '--cfg-options', 'sync_bn=torch'],
                          cwd=str(tmp_path), env=subprocess_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("sfkd: error: sync_bn='torch' needs GPUs (SyncBatchNorm has no CPU "
                           'implementation); drop sync_bn on the CPU')
    assert 'Traceback' not in proc.stderr
    assert not work.exists()


@pytest.mark.distributed
@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is present')
def test_sync_bn_under_dist_train_ends_with_the_one_line_error(tmp_path, free_port):
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), TINY, '2',
                           '--work-dir', str(tmp_path / 'w'), '--cfg-options', 'sync_bn=torch'],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
                          env=subprocess_env(PORT=str(free_port), CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode == 1
    lines = proc.stderr.rstrip('\n').splitlines()
    assert lines[-1].startswith("sfkd: error: sync_bn='torch' needs GPUs"), proc.stderr[-3000:]
    assert lines[-2] == ''
    assert 'ChildFailedError' not in proc.stderr and 'Traceback' not in proc.stderr


def fake_python(folder, log):
    """An executable that records its arguments instead of running anything."""
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'python')
    with open(path, 'w') as f:
        f.write(f'#!/bin/sh\necho "$0 $*" > {log}\n')
    os.chmod(path, 0o755)
    return path


@pytest.mark.parametrize('script, args', [
    ('dist_train.sh', ['CONFIG', '2']), ('dist_test.sh', ['CONFIG', 'CKPT', '2'])])
def test_dist_scripts_use_the_project_venv(tmp_path, script, args):
    log = tmp_path / 'called.txt'
    venv_python = fake_python(tmp_path / 'venv' / 'bin', log)
    env = subprocess_env(SFKD_VENV=str(tmp_path / 'venv'))
    env.pop('PYTHON')
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', script), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    called = log.read_text().split()
    assert called[0] == venv_python
    assert called[1:3] == ['-m', 'sfkd.tools.launch']
    assert '--nproc_per_node=2' in called and '--launcher' in called
    # PYTHON, when set, wins over the venv
    other = fake_python(tmp_path / 'other', log)
    env['PYTHON'] = other
    subprocess.run(['bash', osp.join(ROOT, 'tools', script), *args], env=env, timeout=60)
    assert log.read_text().split()[0] == other


def test_slurm_train_starts_train_py_through_srun(tmp_path):
    log = tmp_path / 'srun.txt'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(f'#!/bin/sh\nfor a in "$@"; do echo "$a"; done > {log}\n')
    (bin_dir / 'srun').chmod(0o755)
    env = subprocess_env(GPUS='16', PYTHON='python3')
    env['PATH'] = f'{bin_dir}{os.pathsep}{env["PATH"]}'
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'slurm_train.sh'), 'gpu', 'job1',
                           'configs/kd/x.py', 'work_dirs/x', '--amp'],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    args = log.read_text().splitlines()
    assert args[:2] == ['-p', 'gpu'] and '--job-name=job1' in args
    assert '--ntasks=16' in args and '--ntasks-per-node=8' in args and '--gres=gpu:8' in args
    tail = args[args.index('python3'):]
    assert tail == ['python3', '-u', osp.join(ROOT, 'tools', 'train.py'), 'configs/kd/x.py',
                    '--work-dir=work_dirs/x', '--launcher=slurm', '--amp']


def test_slurm_train_usage(tmp_path):
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'slurm_train.sh'), 'gpu'],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and 'usage: bash tools/slurm_train.sh' in proc.stderr

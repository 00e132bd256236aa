"""Faults: runs killed with SIGKILL mid-epoch resume to the same result, and a kill
during a checkpoint save leaves the previous checkpoint intact."""
import json
import os.path as osp
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from sfkd_testing import ROOT, subprocess_env, tiny_options

pytestmark = pytest.mark.e2e

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'


def train_options(*extra) -> list:
    return ['--cfg-options', *tiny_options(train=256, test=64, batch=32, epochs=2),
            'randomness.seed=7', *extra]


def train(config, work, *extra, resume=False):
    cmd = [sys.executable, '-m', 'sfkd.tools.train', str(config), '--work-dir', str(work),
           *(['--resume'] if resume else []), *train_options(*extra)]
    return subprocess.run(cmd, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True,
                          timeout=600)


def last_val(work):
    logs = sorted(work.glob('*/vis_data/scalars.json'))
    rows = [json.loads(line) for log in logs for line in open(log)]
    return [r for r in rows if 'accuracy/top1' in r][-1]['accuracy/top1']


ITER_CKPT = ['default_hooks.checkpoint.by_epoch=False', 'default_hooks.checkpoint.interval=5',
             'default_hooks.checkpoint.max_keep_ckpts=-1']


def trained_iters(work):
    """The training iterations logged in each run of a work dir, in order."""
    runs = []
    for log in sorted(work.glob('*/vis_data/scalars.json')):
        rows = [json.loads(line) for line in open(log)]
        runs.append([r['iter'] for r in rows if 'loss' in r])
    return runs


@pytest.mark.parametrize('config, part, checkpoints', [
    (KD, 'student', 'epoch'), (SFTN, 'teacher', 'epoch'), (KD, 'student', 'iteration')],
    ids=['distillation', 'sftn-teacher', 'distillation-iteration-checkpoints'])
def test_sigkill_mid_epoch_then_resume_matches(config, part, checkpoints, teacher_ckpt, tmp_path,
                                               fmnist_root):
    extra = [f'model.teacher_ckpt={teacher_ckpt}'] if config == KD else []
    if checkpoints == 'iteration':
        extra += ITER_CKPT
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    # the uninterrupted reference run, in this process on one thread as the children are
    from sfkd.tools import train as train_tool
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_tool.run([str(config), '--work-dir', str(full), *train_options(*extra)])
    finally:
        torch.set_num_threads(threads)

    # the same run, killed in the middle of epoch 2 (iteration 12 of 16)
    kill_cfg = tmp_path / 'with_kill.py'
    kill_cfg.write_text(textwrap.dedent(f"""
        _base_ = ['{config}']
        custom_imports = dict(imports=['kill_probe'])
        custom_hooks = [dict(type='ExportSubmodelHook', part='{part}'),
                        dict(type='KillAtIterHook', at_iter=12)]
    """))
    proc = train(kill_cfg, killed, *extra)
    assert proc.returncode == -signal.SIGKILL
    if checkpoints == 'epoch':
        assert (killed / 'epoch_1.pth').is_file() and not (killed / 'epoch_2.pth').exists()
        final = 'epoch_2.pth'
    else:
        # the last checkpoint is iteration 10: 2 iterations into epoch 2 (8 per epoch)
        assert (killed / 'iter_10.pth').is_file() and not (killed / 'iter_15.pth').exists()
        final = 'iter_16.pth'

    proc = train(config, killed, *extra, resume=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    a = torch.load(full / final, weights_only=True)['state_dict']
    b = torch.load(killed / final, weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6, msg=key)
    assert last_val(killed) == pytest.approx(last_val(full), abs=1e-6)
    assert osp.isfile(killed / f'{part}_final.pth')
    if checkpoints == 'iteration':
        # the resumed run trained iterations 11..16 only, each once
        assert trained_iters(killed)[-1] == list(range(11, 17))
        assert torch.load(killed / final, weights_only=True)['meta']['iter'] == 16


def test_resume_refuses_an_iteration_outside_the_epoch(teacher_ckpt, tmp_path, fmnist_root):
    """Resuming mid-epoch with a larger batch (fewer iterations an epoch) is refused."""
    work = tmp_path / 'work'
    kill_cfg = tmp_path / 'with_kill.py'
    kill_cfg.write_text(textwrap.dedent(f"""
        _base_ = ['{KD}']
        custom_imports = dict(imports=['kill_probe'])
        custom_hooks = [dict(type='KillAtIterHook', at_iter=12)]
    """))
    extra = [f'model.teacher_ckpt={teacher_ckpt}', *ITER_CKPT]
    proc = train(kill_cfg, work, *extra)
    assert proc.returncode == -signal.SIGKILL
    # 256 images in batches of 128: 2 iterations an epoch, so iteration 10 is not in epoch 2
    proc = train(KD, work, *extra, 'train_dataloader.batch_size=128', resume=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('sfkd: error: cannot resume at iteration 10 of epoch 2: an epoch now '
                           'has 2 iterations'), proc.stderr[-2000:]
    assert 'resume with the settings it was trained with' in last


KILL_DURING_SAVE = """
import os, signal, sys
import torch
from mmengine.runner.checkpoint import save_checkpoint
from sfkd.engine.atomic_write import install_atomic_local_writes

install_atomic_local_writes()  # what sfkd's runner does when it is built

path = sys.argv[1]
save_checkpoint({'state_dict': {'w': torch.ones(100000)}}, path)
real_fdopen = os.fdopen

class HalfThenKill:
    def __init__(self, f):
        self.f = f
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()
    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        os.kill(os.getpid(), signal.SIGKILL)

os.fdopen = lambda fd, mode: HalfThenKill(real_fdopen(fd, mode))
save_checkpoint({'state_dict': {'w': torch.zeros(100000)}}, path)
"""


def test_kill_during_save_keeps_previous_checkpoint(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    proc = subprocess.run([sys.executable, '-c', KILL_DURING_SAVE, str(path)], cwd=ROOT,
                          env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    state = torch.load(path, weights_only=True)['state_dict']
    assert torch.equal(state['w'], torch.ones(100000))  # the earlier checkpoint, whole
    # only a hidden temporary file may be left next to it
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith('.')) == \
        ['epoch_1.pth']

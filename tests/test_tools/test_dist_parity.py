"""Distributed parity: 2 CPU processes (gloo) follow the same loss curve as one
process at the same global batch.

The models (and SFTN's transforms) use GroupNorm here (``norm='gn'``): BatchNorm statistics
depend on the per-process batch, and SyncBatchNorm needs GPUs, so with
BatchNorm the curves would differ by design. With a per-sample norm the only
difference left is the order of floating-point sums (about 1e-7 relative per
step, which a diverging run would amplify, hence a stable learning rate),
hence the tolerance on every loss term of every iteration: 1e-4 relative, or
1e-4 absolute for terms below 1 (a KL between two close distributions is a
small difference of large log-probabilities, so its relative error is larger).
"""
import json
import os.path as osp
import subprocess
import textwrap

import pytest
from sfkd_testing import ROOT, subprocess_env, tiny_options

pytestmark = pytest.mark.distributed

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
GN = {KD: ['model.student.backbone.norm=gn'],
      SFTN: ['model.teacher.backbone.norm=gn', 'model.branches.0.student.backbone.norm=gn',
             'model.transform.norm=gn']}


def losses(config, tmp_path, name, procs, port, extra):
    probe = tmp_path / f'probe_{name}'
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(textwrap.dedent(f"""
        _base_ = ['{config}']
        custom_imports = dict(imports=['rank_probe'])
        custom_hooks = [dict(type='LossProbeHook', out_dir='{probe}')]
    """) + ("model = dict(transform=dict(type='ConvBNConnector', relu=True))\n"
            if config == SFTN else ''))
    # 128 images, a global batch of 64: 2 iterations per epoch, 2 epochs
    opts = ['--cfg-options', *tiny_options(train=128, test=32, batch=64 // procs, epochs=2),
            'randomness.seed=3', 'optim_wrapper.optimizer.lr=0.01', *extra]
    work = ['--work-dir', str(tmp_path / f'work_{name}')]
    if procs == 1:  # the reference, trained in this process
        from sfkd.tools import train as train_tool
        train_tool.run([str(cfg), *work, *opts])
    else:  # the processes under test
        proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), str(cfg),
                               str(procs), *work, *opts], cwd=ROOT,
                              env=subprocess_env(PORT=str(port)), capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    per_rank = [json.load(open(probe / f'losses_rank{r}.json')) for r in range(procs)]
    # equal shards: the global-batch mean is the mean of the ranks' means
    return [{k: sum(r[i][k] for r in per_rank) / procs for k in per_rank[0][i]}
            for i in range(len(per_rank[0]))]


@pytest.mark.parametrize('config', [KD, SFTN], ids=['distillation', 'sftn-teacher'])
def test_two_processes_follow_the_single_process_loss_curve(config, teacher_ckpt, tmp_path,
                                                           fmnist_root, free_port):
    extra = GN[config] + ([f'model.teacher_ckpt={teacher_ckpt}'] if config == KD else [])
    one = losses(config, tmp_path, 'one', 1, free_port, extra)
    two = losses(config, tmp_path, 'two', 2, free_port, extra)
    assert len(one) == len(two) == 4
    for i, (a, b) in enumerate(zip(one, two)):
        assert a.keys() == b.keys()
        for key in a:
            assert b[key] == pytest.approx(a[key], rel=1e-4, abs=1e-4), (i, key)
    assert one[-1]['loss'] != one[0]['loss']  # it did train

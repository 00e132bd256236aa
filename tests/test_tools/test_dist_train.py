"""tools/dist_train.sh: 2 CPU processes (gloo) through torchrun."""
import json
import os.path as osp
import subprocess

import pytest
from sfkd_testing import BASELINE_CFG, ROOT, subprocess_env, tiny_options

pytestmark = pytest.mark.distributed


def test_two_cpu_processes_train_and_save_once(tmp_path, fmnist_root, free_port):
    work = tmp_path / 'work'
    probe = tmp_path / 'probe'
    # the baseline plus a hook that records what each rank trained
    config = tmp_path / 'probed.py'
    config.write_text(f"_base_ = ['{BASELINE_CFG}']\n"
                      "custom_imports = dict(imports=['rank_probe'])\n"
                      f"custom_hooks = [dict(type='RankProbeHook', out_dir='{probe}')]\n")
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), str(config), '2',
           '--work-dir', str(work), '--cfg-options',
           *tiny_options(train=256, test=64, batch=32, epochs=1)]
    proc = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
                          env=subprocess_env(PORT=str(free_port), CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])

    ranks = [json.load(open(probe / f'rank{r}.json')) for r in (0, 1)]
    for r, info in enumerate(ranks):
        assert info['rank'] == r and info['world_size'] == 2
        # 256 images / 2 ranks / 32 per batch = 4 iterations on each rank
        assert info['iters'] == 4
    # the distributed sampler gave each rank its own half of the data
    assert set(ranks[0]['samples']).isdisjoint(ranks[1]['samples'])
    assert len(set(ranks[0]['samples']) | set(ranks[1]['samples'])) == 256

    checkpoints = sorted(p.name for p in work.glob('*.pth'))
    assert checkpoints == ['epoch_1.pth']


@pytest.mark.e2e
def test_gpus_must_be_positive(tmp_path):
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), BASELINE_CFG, '0'],
                          capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert proc.returncode == 2
    assert "GPUS must be a positive integer" in proc.stderr and "'0'" in proc.stderr

"""tools/analysis/benchmark.py at the smallest size: the stored report holds every figure
the README quotes (median and range over the runs, GFLOPs, the machine)."""
import json
import subprocess
import sys

import pytest

from sfkd_testing import ROOT, subprocess_env


def test_benchmark_stores_median_range_gflops_and_machine(tmp_path, fmnist_root):
    out = tmp_path / 'bench' / 'benchmark.json'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/benchmark.py', '--data-root', fmnist_root,
         '--batch-size', '16', '--iters', '2', '--warmup', '0', '--repeats', '2', '--out', str(out)],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    assert len(result['runs']) == 2
    for key in ('distill_ratio', 'sftn_time_ratio', 'sftn_flop_ratio'):
        values = sorted(r[key] for r in result['runs'])
        fig = result['summary'][key]
        assert (fig['min'], fig['max']) == (values[0], values[-1])
        assert fig['median'] == sum(values) / 2  # the median of two runs
    run = result['runs'][0]
    assert run['sftn_flop_ratio'] == pytest.approx(
        run['gflops']['sftn_teacher'] / run['gflops']['plain_teacher'])
    assert run['gflops']['sftn_teacher'] > run['gflops']['plain_teacher'] > 0
    assert result['machine']['cores'] >= 1 and result['machine']['torch']
    md = (tmp_path / 'bench' / 'benchmark.md').read_text()
    gflops = result['summary']['gflops.sftn_teacher']['median']
    assert f'({gflops:.2f} vs ' in md and 'GFLOP per step' in md
    assert 'machine: ' in md and 'Command: `python tools/analysis/benchmark.py' in md
    command = md.split('Command: `')[1].split('`')[0]
    assert '--repeats 2' in command and not [a for a in command.split() if a.startswith('/')]

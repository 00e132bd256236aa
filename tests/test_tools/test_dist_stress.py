"""tools/analysis/dist_stress.py: what counts as an abort, the C++ stacks of its core
files and the stored result (the 2-process job itself runs in test_dist_train.py)."""
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sfkd_testing import load_tool

pytestmark = pytest.mark.unit

stress = load_tool('tools/analysis/dist_stress.py', 'dist_stress')


def fake_runs(monkeypatch, outcomes):
    """``subprocess.run`` of the job answers with ``outcomes`` in turn: (exit status,
    stderr); gdb answers with one frame."""
    queue = list(outcomes)
    real_run = subprocess.run

    def run(cmd, **kwargs):
        if cmd[0] == 'gdb':
            return SimpleNamespace(stdout='Thread 1 (LWP 7)\n#0  std::terminate ()\nnoise\n')
        if cmd[0] != 'bash':
            return real_run(cmd, **kwargs)
        code, err = queue.pop(0)
        if code == -6:  # an aborting worker leaves a core file in its working directory
            open(f"{kwargs['cwd']}/core", 'wb').write(b'core')
        return SimpleNamespace(returncode=code, stdout='', stderr=err)

    monkeypatch.setattr(stress.subprocess, 'run', run)
    monkeypatch.setattr(stress.shutil, 'which', lambda name: '/usr/bin/gdb')


def test_failures_and_the_terminate_line_count_as_aborts(tmp_path, monkeypatch, fmnist_root):
    fake_runs(monkeypatch, [(0, ''), (-6, f'{stress.ABORT} without an active exception'),
                            (0, f'{stress.ABORT} recursively'), (1, 'Traceback')])
    monkeypatch.setattr(sys, 'argv', ['dist_stress.py', '--runs', '4', '--out', str(tmp_path)])
    with pytest.raises(SystemExit) as done:
        stress.main()
    assert done.value.code == 1
    result = json.load(open(tmp_path / 'result.json'))
    assert result['runs'] == 4 and result['aborts'] == 3
    assert [r['aborted'] for r in result['per_run']] == [False, True, True, True]
    # the core file's stacks are kept (frames and thread lines only), the core removed
    assert result['per_run'][1]['cpp_stacks'] == \
        '--- core\nThread 1 (LWP 7)\n#0  std::terminate ()'
    assert result['command'] == 'python tools/analysis/dist_stress.py --runs 4 --out ' \
        + str(tmp_path)


def test_no_abort_exits_zero(tmp_path, monkeypatch, fmnist_root):
    fake_runs(monkeypatch, [(0, ''), (0, '')])
    monkeypatch.setattr(sys, 'argv', ['dist_stress.py', '--runs', '2', '--out', str(tmp_path)])
    with pytest.raises(SystemExit) as done:
        stress.main()
    assert done.value.code == 0
    assert json.load(open(tmp_path / 'result.json'))['aborts'] == 0

"""tools/run_main.sh: the set-up's output goes to work_dirs/setup.log, the terminal
shows only the steps that install something, a failed set-up shows the log's end
and its exit status, and the pipeline gets the arguments. A stand-in set-up and
Python make it run in a second."""
import os
import shutil
import subprocess

import pytest
from sfkd_testing import ROOT

pytestmark = pytest.mark.e2e

SETUP_OK = '''#!/usr/bin/env bash
echo "[sfkd setup] torch: up to date"
echo "Requirement already satisfied: numpy"
echo "[sfkd setup] mmcv: installing"
'''
SETUP_FAILS = '''#!/usr/bin/env bash
echo "[sfkd setup] torch: up to date"
echo "pip: no matching distribution" >&2
exit 3
'''
PYTHON = '''#!/usr/bin/env bash
echo "pipeline $*"
'''


def run_main(tmp_path, setup: str, *args):
    (tmp_path / 'tools').mkdir()
    shutil.copy(os.path.join(ROOT, 'tools', 'run_main.sh'), tmp_path / 'tools' / 'run_main.sh')
    (tmp_path / 'tools' / 'setup.sh').write_text(setup)
    (tmp_path / 'venv' / 'bin').mkdir(parents=True)
    python = tmp_path / 'venv' / 'bin' / 'python'
    python.write_text(PYTHON)
    python.chmod(0o755)
    env = dict(os.environ, SFKD_VENV=str(tmp_path / 'venv'))
    return subprocess.run(['bash', str(tmp_path / 'tools' / 'run_main.sh'), *args],
                          capture_output=True, text=True, env=env)


def test_only_installing_steps_reach_the_terminal_and_the_log_keeps_everything(tmp_path):
    done = run_main(tmp_path, SETUP_OK, '--scale', 'full')
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['[sfkd setup] mmcv: installing',
                                        'pipeline tools/run_pipeline.py --scale full']
    log = (tmp_path / 'work_dirs' / 'setup.log').read_text()
    assert 'Requirement already satisfied: numpy' in log and 'torch: up to date' in log


def test_a_failed_set_up_shows_the_end_of_its_log_and_stops(tmp_path):
    failed = run_main(tmp_path, SETUP_FAILS)
    assert failed.returncode == 3
    assert 'pipeline' not in failed.stdout
    assert 'pip: no matching distribution' in failed.stderr
    assert f"set-up failed (exit 3); the whole log: {tmp_path}/work_dirs/setup.log" in \
        failed.stderr

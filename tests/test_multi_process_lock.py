"""The multi-process tests run one at a time under pytest-xdist: each holds a lock that
every worker of the run shares (tests/conftest.py)."""
import fcntl
import os
import os.path as osp
import subprocess
import sys

import pytest
from sfkd_testing import exclusive_lock

TRY_LOCK = '''
import fcntl, sys
with open(sys.argv[1], "a") as f:
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(3)
'''


def other_process_gets(path: str) -> bool:
    """Whether another process could take the lock on ``path`` now."""
    rc = subprocess.run([sys.executable, '-c', TRY_LOCK, path]).returncode
    assert rc in (0, 3), rc
    return rc == 0


@pytest.mark.unit
def test_the_lock_keeps_other_processes_out_until_released(tmp_path):
    path = str(tmp_path / 'a.lock')
    with exclusive_lock(path):
        assert not other_process_gets(path)
    assert other_process_gets(path)


@pytest.mark.distributed
def test_a_multi_process_test_holds_the_run_s_lock(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    run_dir = base.parent if os.environ.get('PYTEST_XDIST_WORKER') else base
    path = osp.join(run_dir, 'multi_process.lock')
    assert osp.isfile(path)
    assert not other_process_gets(path)

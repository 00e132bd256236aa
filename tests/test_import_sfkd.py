"""``import sfkd`` changes no other library's behaviour; the atomic writes are opted into."""
import json
import subprocess
import sys

import pytest
from sfkd_testing import ROOT, subprocess_env

pytestmark = pytest.mark.unit

PROBE = """
import json, sys
import torch
from mmengine.config import utils as config_utils
from mmengine.fileio.backends.local_backend import LocalBackend

put, put_text = LocalBackend.put, LocalBackend.put_text
allowed = set(torch.serialization.get_safe_globals())
packages = dict(config_utils.MODULE2PACKAGE)

import sfkd
from sfkd.utils.safe_load import mmengine_checkpoint_globals

found = dict(
    untouched=LocalBackend.put is put and LocalBackend.put_text is put_text
    and not hasattr(LocalBackend, '_sfkd_atomic'),
    allowed=sorted(map(repr, set(torch.serialization.get_safe_globals()) - allowed)),
    expected=sorted(map(repr, mmengine_checkpoint_globals())),
    packages={k: v for k, v in config_utils.MODULE2PACKAGE.items() if k not in packages},
    upper=sorted(m for m in sys.modules if m.split('.')[:2] in (
        ['sfkd', 'datasets'], ['sfkd', 'evaluation'], ['sfkd', 'models'], ['sfkd', 'engine'],
        ['sfkd', 'apis'], ['sfkd', 'tools'])))

from sfkd.engine import install_atomic_local_writes
install_atomic_local_writes()
first = LocalBackend.put, LocalBackend.put_text
install_atomic_local_writes()
found.update(installed=LocalBackend.put is not put and LocalBackend.put_text is not put_text,
             idempotent=(LocalBackend.put, LocalBackend.put_text) == first)
print(json.dumps(found))
"""


def test_import_sfkd_changes_nothing_global():
    proc = subprocess.run([sys.executable, '-c', PROBE], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    # MMEngine's file writes are as MMEngine made them
    assert found['untouched']
    # what it adds: MMEngine's checkpoint types to torch's safe-loading allow-list (nothing
    # else), and sfkd to the packages whose configs `package::path` may name
    assert found['allowed'] == found['expected']
    assert found['packages'] == {'sfkd': 'sfkd'}
    # and it imports none of the layers above sfkd.utils
    assert found['upper'] == []
    # the atomic writes, once opted into, stay installed when asked again
    assert found['installed'] and found['idempotent']

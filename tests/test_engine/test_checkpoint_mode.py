"""Checkpoints get the permissions a plain torch.save would give them."""
import os
import stat

import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from sfkd.engine.atomic_write import atomic_write_bytes, install_atomic_local_writes

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def atomic_writes():
    install_atomic_local_writes()  # what sfkd's runner does when it is built


@pytest.fixture
def umask():
    def set_umask(mask):
        old.append(os.umask(mask))
    old = []
    yield set_umask
    if old:
        os.umask(old[0])


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize('mask, expected', [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_new_checkpoint_gets_0666_less_umask(tmp_path, umask, mask, expected):
    umask(mask)
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    assert mode(path) == expected
    plain = tmp_path / 'plain.pth'
    torch.save({'w': torch.ones(3)}, plain)
    assert mode(path) == mode(plain)


def test_overwritten_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    path = tmp_path / 'last_checkpoint'
    path.write_text('old')
    os.chmod(path, 0o600)
    atomic_write_bytes(b'new', path)
    assert path.read_bytes() == b'new'
    assert mode(path) == 0o600

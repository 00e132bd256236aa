"""Atomic local writes for MMEngine: a kill during a save never damages a file.

MMEngine writes checkpoints and the ``last_checkpoint`` pointer through
``LocalBackend.put``/``put_text``, which open the destination with ``'wb'``:
a process killed mid-write leaves a truncated checkpoint where the previous
good one was. sfkd makes both writes go to a temporary file in the same
folder, flushed to disk, then renamed over the destination (``os.replace``
is atomic on POSIX), so the old file stays intact until the new one is whole.
The file gets the permissions a plain ``open(path, 'wb')`` would give it: those
of the file it replaces, or ``0o666`` less the umask for a new one.

The change is made to MMEngine's ``LocalBackend`` class, so it holds for every
MMEngine user in the process: ``import sfkd`` does not make it. sfkd's runner
makes it when it is built; any other program opts in by calling
:func:`install_atomic_local_writes` (again and again if it likes: a second call
changes nothing).
"""
import os
import os.path as osp
import stat
import tempfile
from typing import Union

from mmengine.fileio.backends.local_backend import LocalBackend

_PATCHED = '_sfkd_atomic'


def atomic_write_bytes(data: bytes, path: Union[str, os.PathLike]) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix='.part', dir=folder)
    try:
        os.fchmod(fd, _plain_mode(path))
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _plain_mode(path: str) -> int:
    """The mode ``open(path, 'wb')`` leaves: the existing file's, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def install_atomic_local_writes() -> None:
    """Route MMEngine's local ``put``/``put_text`` through :func:`atomic_write_bytes`, for the
    rest of the process; idempotent (once installed, a call returns at once)."""
    if getattr(LocalBackend, _PATCHED, False):
        return

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)

    LocalBackend.put = put
    LocalBackend.put_text = put_text
    setattr(LocalBackend, _PATCHED, True)

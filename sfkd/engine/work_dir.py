"""Check that the work dir can be used before anything is built or written."""
import os
import os.path as osp
import tempfile

from sfkd.utils.errors import WorkDirError


def check_work_dir(path: str) -> None:
    """Create ``path`` if needed and check that files can be written there.

    Raises:
        WorkDirError: ``path`` is a file, sits under a file, or is not writable.
    """
    check_writable_dir(path, 'work dir', '--work-dir')


def check_writable_dir(path: str, what: str, option: str) -> None:
    """:func:`check_work_dir` for any output folder: ``what`` names it in the errors,
    ``option`` is the command-line option that sets it (``--show-dir``)."""
    fix = f'pass a writable directory with {option}'
    if osp.exists(path) and not osp.isdir(path):
        raise WorkDirError(f'{what} {path!r} is a file, not a directory; {fix}')
    parent = osp.dirname(osp.abspath(path))
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise WorkDirError(f'{what} {path!r} cannot be created: {parent!r} is a file; {fix}')
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix='.sfkd-write-check-', dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as err:
        raise WorkDirError(f'{what} {path!r} is not writable ({err.strerror or err}); '
                           f'{fix}') from None

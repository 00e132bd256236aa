"""Where a stored result came from: the command, the code, the libraries, the machine.

A results folder holds ``provenance.json`` beside its data and figures
(:func:`write_provenance`): the command that wrote it, the sfkd commit it ran
(``git`` in the checkout sfkd is imported from; none for an installed wheel) and
whether the checkout had uncommitted changes to tracked files, the versions of
torch and the OpenMMLab libraries, the machine, the date, the training wall time
and the seeds. Each pipeline run records its own code state too
(:func:`process_code_state`: the state when the process started its work), so a
report written later from finished runs names the commits that trained them.
"""
import datetime
import json
import os.path as osp
import subprocess
from importlib import metadata
from typing import Iterable, List, Optional, Sequence

from sfkd.utils.checkout import sfkd_checkout

#: the distributions whose versions a result records
LIBRARIES = ('sfkd', 'torch', 'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmsegmentation')


def _git(root: str, *args: str) -> Optional[str]:
    try:
        done = subprocess.run(['git', '-C', root, *args], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


#: folders whose changes do not make the code dirty (what the runs write)
NOT_CODE = ('results/', 'work_dirs/')


def code_state(root: Optional[str] = None) -> dict:
    """``{'commit': sha or None, 'dirty': bool or None}`` of the sfkd checkout (``root``,
    default the one sfkd is imported from); both None outside a git checkout. Dirty
    means uncommitted changes to tracked files outside :data:`NOT_CODE` (untracked
    files are not counted)."""
    root = root or sfkd_checkout()
    commit = _git(root, 'rev-parse', 'HEAD') if root else None
    if commit is None:
        return dict(commit=None, dirty=None)
    status = _git(root, 'status', '--porcelain', '--untracked-files=no')
    if status is None:
        return dict(commit=commit, dirty=None)
    changed = [line.split(maxsplit=1)[1] for line in status.splitlines() if line.strip()]
    return dict(commit=commit, dirty=any(not p.startswith(NOT_CODE) for p in changed))


_process_state: List[dict] = []


def process_code_state() -> dict:
    """The :func:`code_state` when this process first asked: the code it imported, even
    if the checkout moves on while it runs (a long pipeline)."""
    if not _process_state:
        _process_state.append(code_state())
    return _process_state[0]


def versions(names: Iterable[str] = LIBRARIES) -> dict:
    """The installed version of each distribution (None where it is not installed)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance(command: str, seeds: Sequence[int], results: Sequence[dict] = (),
               **extra) -> dict:
    """The provenance of a results folder written now by ``command``.

    Args:
        command: The command line that writes the folder.
        seeds: The seeds of the runs.
        results: The runs' results; their ``seconds`` add up to the training wall
            time, and the code states they recorded (``code``) are listed.
        **extra: More fields (e.g. ``teacher_seeds``).
    """
    from sfkd.utils.machine import describe_machine
    trained: List[dict] = []
    for r in results:
        state = r.get('code')
        if state and state not in trained:
            trained.append(state)
    timed = [r['seconds'] for r in results if 'seconds' in r]
    return dict(command=command, date=datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec='seconds'), code=process_code_state(),
                runs_trained_at=trained,
                versions=versions(), machine=describe_machine(),
                wall_minutes=round(sum(timed) / 60, 1) if timed else None,
                runs=len(results), seeds=list(seeds), **extra)


def write_provenance(out_dir: str, command: str, seeds: Sequence[int],
                     results: Sequence[dict] = (), **extra) -> str:
    """Write ``<out_dir>/provenance.json`` (:func:`provenance`); return its path."""
    path = osp.join(out_dir, 'provenance.json')
    with open(path, 'w') as f:
        json.dump(provenance(command, seeds, results, **extra), f, indent=1)
        f.write('\n')
    return path

"""What a run checks in its work dir before it loads or writes anything there.

- ``--resume`` without a path continues from the work dir's own newest checkpoint when
  ``last_checkpoint`` is missing or names a file elsewhere (a copied work dir), and
  says which file it took and why.
- A resume is refused in one line when the checkpoint does not fit the config's model
  (another config wrote it): MMEngine would load it non-strictly, the optimiser state
  of the other model included, and carry on from random weights.
- A run that will write over checkpoints it did not write says so.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from torch import nn

from sfkd.engine.checkpoint_io import mismatch, read_state_dict
from sfkd.utils.errors import CheckpointError

NUMBERED = re.compile(r'(epoch|iter)_(\d+)\.pth$')


def numbered_checkpoints(work_dir: str) -> List[str]:
    """The ``epoch_N.pth`` and ``iter_N.pth`` files in ``work_dir``, oldest first (by
    modification time, then number)."""
    if not osp.isdir(work_dir):
        return []
    found = [osp.join(work_dir, f) for f in os.listdir(work_dir) if NUMBERED.fullmatch(f)]
    return sorted(found, key=lambda p: (osp.getmtime(p), _number(p)))


def _number(path: str) -> int:
    match = NUMBERED.fullmatch(osp.basename(path))
    return int(match.group(2)) if match else -1


def _inside(path: str, folder: str) -> bool:
    return osp.dirname(osp.realpath(path)) == osp.realpath(folder)


def checkpoint_to_resume(work_dir: str) -> Tuple[Optional[str], str]:
    """The checkpoint that ``--resume`` without a path continues from, and why that one
    (``None`` when the work dir holds none)."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = open(pointer).read().strip() if osp.isfile(pointer) else ''
    if named and osp.isfile(named) and _inside(named, work_dir):
        return named, f'{pointer} names it'
    if not named:
        reason = f'{work_dir} has no last_checkpoint file'
    elif osp.isfile(named):
        reason = f'its last_checkpoint names {named}, outside this work dir'
    else:
        reason = f'its last_checkpoint names {named}, which does not exist'
    own = numbered_checkpoints(work_dir)
    if not own:
        return None, reason
    return own[-1], f'{reason}; this is the newest checkpoint in the work dir'


def check_fits(path: str, model: nn.Module, work_dir: str) -> None:
    """Refuse to resume ``model`` from ``path`` unless its weights fit exactly."""
    problems = mismatch(read_state_dict(path, owner='--resume'), model)
    if not problems:
        return
    dumps = sorted(f for f in os.listdir(work_dir) if f.endswith('.py')) \
        if osp.isdir(work_dir) else []
    made_by = f" (the config dump there is {dumps[0]})" if len(dumps) == 1 else ''
    raise CheckpointError(
        f"--resume {path}: the checkpoint does not fit this config's model ("
        + '; '.join(problems) + f"): another config wrote it{made_by}. Resume with that "
        'config, or train this one with another --work-dir; nothing was loaded or written')


def overwrite_warning(work_dir: str, resume_from: Optional[str]) -> Optional[str]:
    """What this run will write over in ``work_dir`` that it did not write, or ``None``."""
    if not osp.isdir(work_dir):
        return None
    if resume_from:
        later = [p for p in numbered_checkpoints(work_dir)
                 if _number(p) > _number(resume_from) and
                 osp.basename(p).split('_')[0] == osp.basename(resume_from).split('_')[0]]
        if not later:
            return None
        names = ', '.join(osp.basename(p) for p in later)
        return (f'resuming from {osp.basename(resume_from)}: the later {names} in {work_dir} '
                'will be written over as this run reaches them')
    earlier = [osp.basename(p) for p in numbered_checkpoints(work_dir)]
    earlier += sorted(f for f in os.listdir(work_dir) if f.endswith('_final.pth'))
    if not earlier:
        return None
    return (f'{work_dir} holds checkpoints of an earlier run ({", ".join(earlier)}); this run '
            'writes over those of the same name: --resume continues that run, another '
            '--work-dir keeps them')

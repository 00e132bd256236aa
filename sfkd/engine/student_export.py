"""Save a student's weights alone, atomically, as an MMEngine-style checkpoint."""
import os
import os.path as osp
from typing import Dict, Optional

import torch

from sfkd.engine.checkpoint_io import read_state_dict
from sfkd.utils.errors import CheckpointError


def save_student(state_dict: Dict[str, torch.Tensor], path: str,
                 meta: Optional[dict] = None) -> None:
    """Write ``{'state_dict', 'meta'}`` to ``path`` via a temporary file and a rename."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp'
    torch.save({'state_dict': {k: v.detach().cpu() for k, v in state_dict.items()},
                'meta': {k: v for k, v in (meta or {}).items() if v is not None}}, tmp)
    os.replace(tmp, path)


def export_student(src: str, dst: str, prefix: str = 'student.') -> int:
    """Extract the student from a distiller checkpoint ``src`` into ``dst``.

    Returns:
        The number of tensors written.
    """
    state = read_state_dict(src, owner='distiller')
    student = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not student:
        raise CheckpointError(f'{src!r} has no keys starting with {prefix!r}: it is not a '
                              'distiller checkpoint (a plain model checkpoint needs no export)')
    save_student(student, dst, meta=dict(exported_from=osp.abspath(src)))
    return len(student)

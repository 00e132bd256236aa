"""Save one part of a wrapper model (a student, a teacher) as a plain checkpoint."""
import os
import os.path as osp
from typing import Dict, Optional, Set

import torch

from sfkd.utils.checkpoint_io import read_checkpoint
from sfkd.utils.errors import CheckpointError

# meta entries of a wrapper's checkpoint that describe the wrapper, not one part of it
WRAPPER_ONLY_META = ('cfg', )


def save_submodel(state_dict: Dict[str, torch.Tensor], path: str,
                 meta: Optional[dict] = None) -> None:
    """Write ``{'state_dict', 'meta'}`` to ``path`` via a temporary file and a rename."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp'
    torch.save({'state_dict': {k: v.detach().cpu() for k, v in state_dict.items()},
                'meta': {k: v for k, v in (meta or {}).items() if v is not None}}, tmp)
    os.replace(tmp, path)


def export_submodel(src: str, dst: str, part: str = 'student') -> int:
    """Extract ``part`` (student or teacher) from a wrapper checkpoint ``src`` into ``dst``.

    ``dst`` keeps the ``meta`` of ``src`` (its ``dataset_meta`` with the class
    names, epoch, iter, seed, ...), except the wrapper's config text ``cfg``,
    which does not build the part; ``exported_from`` and ``part`` are added.

    Returns:
        The number of tensors written.
    """
    prefix = f'{part}.'
    state, src_meta = read_checkpoint(src, owner='wrapper')
    sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not sub:
        raise CheckpointError(f'{src!r} has no keys starting with {prefix!r}: it is not a '
                              f'checkpoint of a model with a {part} (a plain model checkpoint '
                              'needs no export)')
    meta = {k: v for k, v in src_meta.items() if k not in WRAPPER_ONLY_META}
    meta.update(exported_from=osp.abspath(src), part=part)
    save_submodel(sub, dst, meta=meta)
    return len(sub)


def untrained_keys(model: torch.nn.Module, trained: Set[str]) -> Set[str]:
    """State-dict keys of ``model`` that training never reached.

    ``trained`` names the parameters that received a gradient. The result
    holds every other parameter, and the buffers of each module that has
    parameters of its own but none of them trained (a BatchNorm's running
    statistics in a stage without gradient); buffers of parameter-free modules
    stay.
    """
    out = set()
    for prefix, module in model.named_modules():
        dot = f'{prefix}.' if prefix else ''
        params = [n for n, _ in module.named_parameters(recurse=False)]
        untrained = [n for n in params if f'{dot}{n}' not in trained]
        out.update(f'{dot}{n}' for n in untrained)
        if params and len(untrained) == len(params):
            out.update(f'{dot}{n}' for n, b in module.named_buffers(recurse=False)
                       if b is not None and n not in module._non_persistent_buffers_set)
    return out

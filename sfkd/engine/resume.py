"""What a run checks in its work dir before it loads or writes anything there.

- ``--resume`` without a path continues from the work dir's own newest checkpoint when
  ``last_checkpoint`` is missing or names a file elsewhere (a copied work dir), and
  says which file it took and why.
- A resume is refused in one line when the checkpoint does not fit the config's model
  (another config wrote it): MMEngine would load it non-strictly, the optimiser state
  of the other model included, and carry on from random weights. Two models can have
  the same weights and differ in method (KD and AT distil the same pair), so the
  model section of the config stored in the checkpoint is compared too.
- A run that will write over checkpoints it did not write says so.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from mmengine.config import Config
from torch import nn

from sfkd.utils.checkpoint_io import mismatch, read_checkpoint, wrapper_layout
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


def check_fits(path: str, model: nn.Module, work_dir: str,
               model_cfg: Optional[dict] = None) -> None:
    """Refuse to resume ``model`` from ``path`` unless its weights fit exactly and the
    model config stored in the checkpoint (if any) is ``model_cfg``."""
    state, meta = read_checkpoint(path, owner='--resume')
    layout = wrapper_layout(state, model.state_dict())
    if layout:
        problems = [f'it is a {layout.name} checkpoint, keys {layout.product}.*, and this '
                    f'config builds the plain {layout.product}']
    else:
        problems = mismatch(state, model)
    if not problems and model_cfg is not None:
        problems = config_differences(meta.get('cfg'), model_cfg)
    if not problems:
        return
    dumps = sorted(f for f in os.listdir(work_dir) if f.endswith('.py')) \
        if osp.isdir(work_dir) else []
    made_by = f" (the config dump there is {dumps[0]})" if len(dumps) == 1 else ''
    raise CheckpointError(
        f"--resume {path}: the checkpoint does not fit this config's model ("
        + '; '.join(problems) + f"): another config wrote it{made_by}. Resume with that "
        'config, or train this one with another --work-dir; nothing was loaded or written')


# keys that name files: a moved teacher checkpoint or a copied work dir changes them
_PATH_KEYS = re.compile(r'(^|\.)(\w*_ckpt|checkpoint|pretrained|init_cfg|cfg_path)(\.|$)')


def _differences(old, new, key: str) -> List[str]:
    """Where ``old`` and ``new`` differ: a key present on one side only is named once,
    not each value under it."""
    if _PATH_KEYS.search(key):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for name in sorted(set(old) | set(new), key=str):
            sub = f'{key}.{name}'
            if name not in new:
                out += [] if _PATH_KEYS.search(sub) else [f"{sub} only in the checkpoint's config"]
            elif name not in old:
                out += [] if _PATH_KEYS.search(sub) else [f'{sub} only in this config']
            else:
                out += _differences(old[name], new[name], sub)
        return out
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in _differences(a, b, f'{key}[{i}]')]
    if old != new:
        return [f"{key}: {old!r} in the checkpoint's config, {new!r} in this one"]
    return []


def config_differences(stored: Optional[str], model_cfg: dict) -> List[str]:
    """How the model section of a checkpoint's stored config (MMEngine keeps the whole
    config as text in ``meta['cfg']``) differs from ``model_cfg``, at most three
    differences; file paths are not compared. Empty if they agree or none is stored."""
    if not isinstance(stored, str):
        return []
    try:
        old = Config.fromstring(stored, '.py').get('model')
    except Exception:  # a config text this MMEngine cannot parse: weights decide alone
        return []
    if not isinstance(old, dict):
        return []
    old = old.to_dict() if hasattr(old, 'to_dict') else old
    new = model_cfg.to_dict() if hasattr(model_cfg, 'to_dict') else dict(model_cfg)
    differences = _differences(old, new, 'model')
    if not differences:
        return []
    more = f' and {len(differences) - 3} more' if len(differences) > 3 else ''
    return ['the model configs differ: ' + ', '.join(differences[:3]) + more]


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

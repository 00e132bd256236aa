"""Load weights into a model with clear errors, always with safe loading."""
import os.path as osp
from typing import Dict, Optional

import torch
from torch import nn

from sfkd.utils.errors import CheckpointError


def read_state_dict(path: str, owner: str = 'model',
                    made_by: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Read the state dict of an MMEngine or plain PyTorch checkpoint file.

    Args:
        path: Checkpoint file.
        owner: How the model is named in errors (``teacher``, ``student``).
        made_by: The command that writes ``path``; a missing file's error
            names it.
    """
    if not osp.isfile(path):
        if made_by:
            raise CheckpointError(f'{owner} checkpoint {path!r} not found; this config\'s '
                                  f'{owner} is made by `{made_by}` (run it first), or set '
                                  f'model.{owner}_ckpt to an existing checkpoint')
        raise CheckpointError(f'{owner} checkpoint {path!r} not found; check the path '
                              '(a work dir holds epoch_N.pth files and last_checkpoint)')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: BLE001 - any failure means "not a checkpoint"
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise CheckpointError(f'{owner} checkpoint {path!r} is not a loadable checkpoint '
                              f'({first}); it may be truncated or not written by torch.save') \
            from None
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f'{owner} checkpoint {path!r} holds no state dict of tensors')
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}


def load_weights(model: nn.Module, path: str, owner: str = 'model',
                 prefix: Optional[str] = None, made_by: Optional[str] = None) -> None:
    """Load ``path`` into ``model`` strictly, explaining any mismatch.

    Args:
        model: Destination module.
        path: Checkpoint file.
        owner: How the model is named in errors (``teacher``, ``student``).
        prefix: Only keys starting with ``prefix`` are used, with it removed
            (for example ``'student.'`` to take a student out of a distiller checkpoint).
        made_by: The command that writes ``path``, named when it is missing.
    """
    state = read_state_dict(path, owner, made_by)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
                  for k in own if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or mismatched:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing keys (e.g. {missing[:3]})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})')
        if mismatched:
            parts.append(f'{len(mismatched)} shape mismatches (e.g. {mismatched[:2]})')
        raise CheckpointError(f'{owner} checkpoint {path!r} does not fit the {owner} model: '
                              + '; '.join(parts) + f'. Check that the {owner} config is the one '
                              'the checkpoint was trained with')
    model.load_state_dict(state, strict=True)

"""Load weights into a model with clear errors, always with safe loading.

A wrapper model's checkpoint (a Distiller's, a teacher algorithm's) does not load
into the plain model its run trains; the reader recognises it by the layouts the
wrapper classes declare (:mod:`sfkd.structures.state_dict_layout`) and names the
file or command that gives the plain model. It imports no model to do so.
"""
import glob
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Tuple

import torch
from torch import nn

from sfkd.structures.state_dict_layout import StateDictLayout, state_dict_layouts
from sfkd.utils.errors import CheckpointError

#: the part ``sfkd-export-student`` takes out when given no ``--part``
EXPORT_DEFAULT_PART = 'student'


def _file_in(folder: str) -> str:
    """The checkpoint file a user most likely meant inside ``folder``."""
    for name in ('teacher_final.pth', 'student_final.pth'):
        if osp.isfile(osp.join(folder, name)):
            return osp.join(folder, name)
    pointer = osp.join(folder, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            last = f.read().strip()
        if last:
            return last
    found = sorted(glob.glob(osp.join(folder, '*.pth')), key=osp.getmtime)
    return found[-1] if found else osp.join(folder, '<name>.pth')


def _load_failure(err: Exception) -> str:
    """Why ``torch.load(weights_only=True)`` failed, as the rest of a sentence."""
    text = str(err)
    unsafe = re.search(r'(?:Unsupported global: |unsupported )GLOBAL (\S+)', text)
    if unsafe:
        return (f'asks to unpickle {unsafe.group(1)}, which is neither a tensor nor one of '
                "MMEngine's logging types: refused, so that no code in the file runs (if you "
                'trust the file, save its weights alone with torch.save)')
    refused = [line.strip() for line in text.splitlines() if 'sfkd refuses to unpickle' in line]
    if refused:
        return f'is refused: {refused[0]}'
    if re.search(r'Unsupported operand|invalid load key|could not find MARK', text):
        reason = 'not a file written by torch.save'
    else:
        first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
        reason = first.split('. ')[0].rstrip('.')[:200]
    return f'is not a loadable checkpoint ({reason}); it may be truncated or not written by ' \
        'torch.save'


def read_state_dict(path: str, owner: str = 'model', made_by: Optional[str] = None,
                    option: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Read the state dict of an MMEngine or plain PyTorch checkpoint file.

    Args:
        path: Checkpoint file.
        owner: How the model is named in errors (``teacher``, ``student``).
        made_by: The command that writes ``path``; a missing file's error
            names it.
        option: The config key that names ``path``, for that error (default
            ``model.<owner>_ckpt``).
    """
    return read_checkpoint(path, owner, made_by, option)[0]


def read_checkpoint(path: str, owner: str = 'model', made_by: Optional[str] = None,
                    option: Optional[str] = None) -> Tuple[Dict[str, torch.Tensor], dict]:
    """The state dict and the ``meta`` dict (empty if none) of a checkpoint file;
    arguments and errors as :func:`read_state_dict`."""
    if osp.isdir(path):
        raise CheckpointError(f'{owner} checkpoint {path!r} is a directory; pass a checkpoint '
                              f'file inside it, e.g. {_file_in(path)!r}')
    if not osp.isfile(path):
        if made_by:
            raise CheckpointError(f'{owner} checkpoint {path!r} not found; this config\'s '
                                  f'{owner} is made by `{made_by}` (run it first), or set '
                                  f'{option or f"model.{owner}_ckpt"} to an existing checkpoint')
        raise CheckpointError(f'{owner} checkpoint {path!r} not found; check the path '
                              '(a work dir holds epoch_N.pth files and last_checkpoint)')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: BLE001 - any failure means "not a checkpoint"
        raise CheckpointError(f'{owner} checkpoint {path!r} {_load_failure(err)}') from None
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f'{owner} checkpoint {path!r} holds no state dict of tensors')
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}, meta


def _has(keys: Iterable[str], prefix: str) -> bool:
    return any(k.startswith(prefix) for k in keys)


def wrapper_layout(state: Iterable[str], model_keys: Iterable[str]) -> Optional[StateDictLayout]:
    """The layout of the wrapper whose checkpoint ``state`` is, if ``model`` (whose
    state-dict keys are ``model_keys``) is not such a wrapper; else None."""
    state, model_keys = list(state), list(model_keys)
    for layout in state_dict_layouts():
        if layout.holds(state) and not _has(model_keys, layout.prefix):
            return layout
    return None


def wrapper_kind(state: Iterable[str], model_keys: Iterable[str]) -> Optional[str]:
    """The name of :func:`wrapper_layout` (``'Distiller'``, ``'FriendlyTeacher'``), or None."""
    layout = wrapper_layout(state, model_keys)
    return layout.name if layout else None


def wrapper_hint(layout: StateDictLayout, path: str) -> str:
    """How to get the plain model out of the wrapper checkpoint at ``path``."""
    part = layout.product
    option = '' if part == EXPORT_DEFAULT_PART else f' --part {part}'
    final = osp.join(osp.dirname(path) or '.', f'{part}_final.pth')
    return (f'is {layout.title} checkpoint (keys {part}.*): use {final!r}, written at the end '
            f'of that run, or extract the {part} with: sfkd-export-student {path} '
            f'{part}.pth{option}')


def state_part(state: Dict[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    """The entries of ``state`` under ``prefix``, with it removed."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def mismatch(state: Dict[str, torch.Tensor], model: nn.Module) -> List[str]:
    """What keeps ``state`` from loading strictly into ``model`` (empty if it fits)."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
                  for k in own if k in state and state[k].shape != own[k].shape]
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing keys (e.g. {missing[:3]})')
    if unexpected:
        parts.append(f'{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})')
    if mismatched:
        parts.append(f'{len(mismatched)} shape mismatches (e.g. {mismatched[:2]})')
    return parts


def load_weights(model: nn.Module, path: str, owner: str = 'model',
                 prefix: Optional[str] = None, model_name: Optional[str] = None,
                 made_by: Optional[str] = None, option: Optional[str] = None) -> None:
    """Load ``path`` into ``model`` strictly, explaining any mismatch.

    Args:
        model: Destination module.
        path: Checkpoint file.
        owner: How the checkpoint is named in errors (``teacher``, ``student``).
        prefix: Only keys starting with ``prefix`` are used, with it removed
            (for example ``'student.'`` to take a student out of a distiller checkpoint).
        model_name: How the model is named in errors (default: ``the <owner> model``).
        made_by: The command that writes ``path``, named when it is missing.
        option: The config key that names ``path`` (default ``model.<owner>_ckpt``).
    """
    state = read_state_dict(path, owner, made_by, option)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    problems = mismatch(state, model)
    if problems:
        name = model_name or f'the {owner} model'
        layout = wrapper_layout(state, model.state_dict())
        if layout is not None:
            hint = layout.explain(state, model, path, name) if layout.explain else None
            raise CheckpointError(f'{owner} checkpoint {path!r} '
                                  f'{hint or wrapper_hint(layout, path)}')
        explain = getattr(model, 'state_mismatch_hint', None)  # a model's own diagnosis
        hint = explain(state) if callable(explain) else None
        if hint:
            raise CheckpointError(f'{owner} checkpoint {path!r} does not fit {name}: {hint}')
        raise CheckpointError(f'{owner} checkpoint {path!r} does not fit {name}: '
                              + '; '.join(problems) + f'. Check that the {owner} config is the '
                              'one the checkpoint was trained with')
    model.load_state_dict(state, strict=True)


def map_keys(state: Dict[str, torch.Tensor],
             key_map: Optional[Dict[str, str]]) -> Dict[str, torch.Tensor]:
    """Rename keys by their first matching prefix in ``key_map`` (``{old: new}``); with a
    map, keys that match no prefix are dropped. Without one, ``state`` is returned."""
    if not key_map:
        return dict(state)
    out = {}
    for key, value in state.items():
        for old, new in key_map.items():
            if key.startswith(old):
                out[new + key[len(old):]] = value
                break
    return out


def outermost_modules(keys: Iterable[str], all_keys: Iterable[str]) -> List[str]:
    """The largest module paths all of whose state keys (among ``all_keys``) are in
    ``keys``: ``backbone.stem`` rather than each of its tensors. A key directly
    under a module that also holds other keys is given as itself."""
    keys, all_keys = set(keys), list(all_keys)
    out: List[str] = []
    for key in sorted(keys, key=lambda k: (k.count('.'), k)):
        if any(key == m or key.startswith(f'{m}.') for m in out):
            continue
        parts, chosen = key.split('.'), key
        for depth in range(1, len(parts)):
            prefix = '.'.join(parts[:depth])
            if all(k in keys for k in all_keys if k.startswith(f'{prefix}.')):
                chosen = prefix
                break
        if not any(chosen == m or chosen.startswith(f'{m}.') for m in out):
            out.append(chosen)
    return sorted(out)


def load_mapped_weights(model: nn.Module, path: str, key_map: Optional[Dict[str, str]] = None,
                        strict: bool = True, owner: str = 'student',
                        made_by: Optional[str] = None) -> Dict[str, List[str]]:
    """Initialise ``model`` from the parameters of ``path`` matched by name.

    Keys are renamed by ``key_map`` (e.g. ``{'students.b0.': ''}`` takes a
    an SFTN's branch student out of its checkpoint). Shapes must
    match. With ``strict`` any missing or unexpected key is an error;
    without it they are logged and the matched ones loaded.

    Keys that the file's ``meta['never_trained']`` lists (written by
    ``ExportSubmodelHook(trained_only=True)``: they never received a gradient
    in the run that made the file, e.g. an SFTN branch student's stages before
    its first attach point) are left out of the file; they are reported apart
    from the missing keys, as "never trained in the teacher run", with the
    modules they make up, and do not count against ``strict``.

    Returns:
        ``dict(loaded=[...], missing=[...], unexpected=[...], never_trained=[...],
        never_trained_modules=[...])``.

    Raises:
        CheckpointError: Nothing matches, a shape differs, or (strict) a key
            is missing or unexpected.
    """
    from mmengine.logging import MMLogger
    state, meta = read_checkpoint(path, owner, made_by, option=f'model.{owner}_init.checkpoint')
    state = map_keys(state, key_map)
    never = set(map_keys(dict.fromkeys(meta.get('never_trained') or [], None), key_map))
    own = model.state_dict()
    report = dict(loaded=[k for k in own if k in state],
                  missing=[k for k in own if k not in state and k not in never],
                  unexpected=[k for k in state if k not in own],
                  never_trained=[k for k in own if k not in state and k in never])
    report['never_trained_modules'] = outermost_modules(report['never_trained'], own)
    shapes = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
              for k in report['loaded'] if state[k].shape != own[k].shape]
    mapping = f' after key_map {key_map}' if key_map else ''
    if not report['loaded']:
        raise CheckpointError(
            f'{owner} init checkpoint {path!r} has no parameter of the {owner} model{mapping} '
            f'(checkpoint keys e.g. {list(state)[:3] or "none"}, model keys e.g. '
            f'{list(own)[:3]}); set key_map to rename the checkpoint\'s prefix, e.g. '
            "{'students.b0.': ''} for an SFTN checkpoint")
    if shapes or (strict and (report['missing'] or report['unexpected'])):
        explain = getattr(model, 'state_mismatch_hint', None)
        hint = explain(state) if callable(explain) else None
        problems = '; '.join([hint] if hint else mismatch(
            {**state, **{k: own[k] for k in report['never_trained']}}, model))
        raise CheckpointError(f'{owner} init checkpoint {path!r}{mapping} does not fit the '
                              f'{owner} model: {problems}; use a checkpoint of the same '
                              'architecture' + ('' if shapes else ', or strict=False to load '
                                                'the matching parameters only'))
    logger = MMLogger.get_current_instance()
    logger.info(f'{owner} initialised from {path}{mapping}: {len(report["loaded"])} tensors '
                f'loaded, {len(report["missing"])} missing, {len(report["unexpected"])} '
                f'unexpected, {len(report["never_trained"])} never trained in the teacher run')
    if report['never_trained']:
        logger.warning(f'{owner} init: never trained in the teacher run (no gradient reached '
                       f'them there), left as initialised: {report["never_trained_modules"]}')
    for kind in ('missing', 'unexpected'):
        if report[kind]:
            logger.warning(f'{owner} init: {kind} keys {report[kind]}')
    model.load_state_dict({k: state[k] for k in report['loaded']}, strict=False)
    return report

"""Refuse ``--cfg-options`` keys that look like typos of keys in the config.

A key may add an entry the config does not have yet: a loss option left at its
default (``model.distill_losses.loss_kd.detach_teacher=False``), a new loss
under ``model.distill_losses``, a new top-level entry. So a missing key is
refused only when it is a near miss: the first part of its path that is not in
the config is close to a key that is there (``train_cfg.max_epoch`` for
``max_epochs``, ``optim_wrapper.optimizer.lrr`` for ``lr``), unless that part is
a new name in a dict of named entries (``distill_losses``, ``connectors``,
``student_taps``, ``default_hooks``: a dict without ``type`` whose values are all
configs or strings), where names are free. A list index must be in range.
"""
import difflib
from typing import Any, Iterable, List, Optional

from sfkd.utils.errors import BadConfigError

# top-level keys that sfkd's train loop reads itself (sfkd/datasets/pipeline_from.py), never
# typos of the config's own keys (``train_pipeline_from`` is close to ``train_pipeline``)
TOOL_KEYS = ('train_pipeline_from', )


def _free_form(node: dict) -> bool:
    """A dict of named entries (``distill_losses``), as opposed to the options of one thing."""
    return bool(node) and 'type' not in node and \
        all(isinstance(v, (dict, str)) for v in node.values())


def near_miss(node: Any, parts: List[str]) -> Optional[str]:
    """Why the dotted key ``parts`` does not fit ``node``, or None if it may be set."""
    if parts and parts[0] in TOOL_KEYS:
        return None
    path = []
    for part in parts:
        if isinstance(node, (list, tuple)):
            if not part.lstrip('-').isdigit():
                return None  # MMEngine's own merge reports this
            if not -len(node) <= int(part) < len(node):
                where = '.'.join(path)
                return f'{where} is a list of {len(node)}; use an index from 0 to {len(node) - 1}'
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                close = difflib.get_close_matches(part, [str(k) for k in node], n=3, cutoff=0.75)
                if close and not _free_form(node):
                    where = '.'.join(path) or 'the config'
                    keys = ['.'.join(path + [c]) for c in close]
                    return f'{where} has no {part!r}; did you mean {keys}?'
                return None
            node = node[part]
        else:
            return None
        path.append(part)
    return None


def check_cfg_options(cfg: dict, keys: Iterable[str]) -> None:
    """Raise :class:`BadConfigError` for the first ``--cfg-options`` key that is a near miss.

    Args:
        cfg: The config, ``_base_`` files merged, before the options are.
        keys: The dotted keys given to ``--cfg-options``.
    """
    for key in keys:
        problem = near_miss(cfg, key.split('.'))
        if problem:
            raise BadConfigError(f'--cfg-options {key}: {problem}')

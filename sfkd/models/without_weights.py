"""A model config with every weight loading taken out, for work on the architecture alone.

Counting parameters and FLOPs needs the modules, not their values. This
removes whatever would read a checkpoint or fetch one from the network:

- ``pretrained`` next to a ``cfg_path`` (set to ``False``) and elsewhere
  (mmseg's ``pretrained='open-mmlab://...'``, removed);
- an ``init_cfg`` of type ``Pretrained`` (removed), and the pretrained
  initialisation inside a ``cfg_path`` model (``init_cfg=None`` next to it);
- a distiller's or a friendly teacher's ``teacher_ckpt``, ``student_ckpt`` and
  ``student_init`` (set to ``None``).

The config keys taken out are returned, so that a tool can say what it did not
load.
"""
from typing import Any, List, Tuple

from . import zoo

CHECKPOINT_KEYS = ('teacher_ckpt', 'student_ckpt', 'student_init')


def _cfg_path_inits(path: str) -> bool:
    """Whether the model behind ``cfg_path`` initialises part of itself from a checkpoint."""
    from mmengine.config import Config

    from .model_config import PACKAGE_PREFIX, resolve_config_path
    try:
        if zoo.package_of(path) and not path.startswith(PACKAGE_PREFIX):
            model, _ = zoo.zoo_model(path)
        else:
            model = Config.fromfile(resolve_config_path(path)).model.to_dict()
    except Exception:  # noqa: BLE001 - an unreadable cfg_path is reported when it is built
        return False
    return zoo.drop_pretrained_init(model) != model


def without_weights(cfg: Any, where: str = 'model') -> Tuple[Any, List[str]]:
    """``cfg`` with no weight loading, and the keys (``model.teacher.pretrained``) taken out."""
    dropped: List[str] = []
    return _strip(cfg, where, dropped), dropped


def _strip(cfg: Any, where: str, dropped: List[str]) -> Any:
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_strip(v, f'{where}[{i}]', dropped) for i, v in enumerate(cfg))
    if not isinstance(cfg, dict):
        return cfg
    path = cfg.get('cfg_path')
    out = {}
    for key, value in cfg.items():
        here = f'{where}.{key}'
        if key in CHECKPOINT_KEYS and value:
            dropped.append(here)
            out[key] = None
        elif key == 'init_cfg' and zoo._is_pretrained_init(value):
            dropped.append(here)
        elif key == 'pretrained' and value not in (False, None):
            dropped.append(here)
            if isinstance(path, str):
                out[key] = False
        else:
            out[key] = _strip(value, here, dropped)
    if isinstance(path, str) and 'init_cfg' not in out:
        if _cfg_path_inits(path):
            dropped.append(f'{where}.init_cfg (of cfg_path {path!r})')
        out['init_cfg'] = None
    return out

"""Build a model from a config dict, or from the ``model`` of another config file.

``dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py')`` reads that
file's ``model`` (``sfkd::`` paths point into the installed package's configs,
other paths are relative to the working directory); any other keys given next
to ``cfg_path`` override entries of that model config.
"""
import difflib
import os.path as osp
from typing import Union

from mmengine.config import Config
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError, SfkdError
from sfkd.utils.options import unexpected_option

PACKAGE_PREFIX = 'sfkd::'


def resolve_config_path(path: str) -> str:
    """Turn ``sfkd::<path>`` into a file path inside the installed package."""
    if path.startswith(PACKAGE_PREFIX):
        import sfkd
        path = osp.join(osp.dirname(sfkd.__file__), '.mim', 'configs', path[len(PACKAGE_PREFIX):])
    if not osp.isfile(path):
        raise BadConfigError(f'cfg_path {path!r} not found; use a path relative to the working '
                             "directory or 'sfkd::<path inside configs/>'")
    return path


def model_config(cfg: dict) -> dict:
    """Expand ``cfg_path`` (if any) into a full model config dict."""
    cfg = dict(cfg)
    path = cfg.pop('cfg_path', None)
    if path is None:
        return cfg
    base = Config.fromfile(resolve_config_path(path))
    if 'model' not in base:
        raise BadConfigError(f'cfg_path {path!r} defines no `model`')
    merged = Config(dict(model=base.model))
    merged.merge_from_dict({f'model.{k}': v for k, v in cfg.items()})
    return merged.model.to_dict()


def check_type(cfg: dict, where: str = 'model') -> None:
    """Raise :class:`BadConfigError` if ``cfg['type']`` is not registered."""
    if 'type' not in cfg:
        raise BadConfigError(f'{where} has no `type`; got keys {sorted(cfg)}')
    name = cfg['type']
    if not isinstance(name, str) or MODELS.get(name) is not None:
        return
    known = list(MODELS.module_dict)
    close = difflib.get_close_matches(name.split('.')[-1], known, n=3, cutoff=0.6)
    hint = f'; did you mean {close}?' if close else \
        " (types of other libraries need their scope prefix, e.g. 'mmpretrain.ResNet')"
    raise BadConfigError(f'{where}: unknown type {name!r}{hint}')


def build_model(cfg: Union[dict, nn.Module], where: str = 'model') -> nn.Module:
    """Build from a config dict (``cfg_path`` allowed) or return a module as is.

    Args:
        cfg: Model config, or an already built module.
        where: Config path of ``cfg`` for error messages (``distill_losses.kd``).
    """
    if isinstance(cfg, nn.Module):
        return cfg
    cfg = model_config(cfg)
    check_type(cfg, where)
    try:
        return MODELS.build(cfg)
    except (SfkdError, TypeError, ValueError, KeyError) as err:
        message = str(err.args[0]) if err.args else type(err).__name__
        cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
        if isinstance(err, TypeError) and isinstance(cls, type):
            message = unexpected_option(message, cls) or message
        raise BadConfigError(f'{where}: {message}') from None

"""Build a model from a config dict, or from the ``model`` of another config file.

``cfg_path`` takes three kinds of path:

- ``'sfkd::<path inside configs/>'``: one of sfkd's installed configs;
- ``'<package>::<path>'`` for any installed OpenMMLab package MMEngine knows
  (``mmpretrain::``, ``mmdet::``, ``mmseg::``, ...): that package's zoo
  config, read by MMEngine and built in the package's scope (``sfkd.models.zoo``);
- any other path: a config file, relative to the working directory.

Any other keys given next to ``cfg_path`` override entries of that model
config, except ``pretrained`` (``True``: the weights the package's metafile
lists; a path or URL: that checkpoint) and ``init_cfg=None`` (no pretrained
initialisation), which mean what they mean in MMRazor.
"""
import difflib
import os.path as osp
from typing import Any, Optional, Tuple, Union

from mmengine.config import Config, ConfigDict
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.config_loading import PACKAGE_PREFIX, configs_dir
from sfkd.utils.errors import BadConfigError, SfkdError
from sfkd.utils.options import unexpected_option

from . import zoo


def resolve_config_path(path: str) -> str:
    """Turn ``sfkd::<path>`` into a file path inside the installed package."""
    if path.startswith(PACKAGE_PREFIX):
        path = osp.join(configs_dir(), path[len(PACKAGE_PREFIX):])
    if not osp.isfile(path):
        raise BadConfigError(f'cfg_path {path!r} not found; use a path relative to the working '
                             "directory, 'sfkd::<path inside configs/>' or a zoo config such as "
                             "'mmpretrain::resnet/resnet18_8xb32_in1k.py'")
    return path


def expand_config(cfg: dict) -> Tuple[dict, Optional[str]]:
    """Expand ``cfg_path`` (if any) into a full model config dict.

    Returns:
        The model config, and the checkpoint its ``pretrained`` key asks for
        (``None`` when there is none).
    """
    cfg = dict(cfg)
    path = cfg.pop('cfg_path', None)
    if path is None:
        return cfg, None
    own, overrides = zoo.split_zoo_keys(cfg)
    if zoo.package_of(path) and not path.startswith(PACKAGE_PREFIX):
        model, weights = zoo.zoo_model(path, own.get('pretrained', False))
    else:
        base = Config.fromfile(resolve_config_path(path))
        if 'model' not in base:
            raise BadConfigError(f'cfg_path {path!r} defines no `model`')
        model = base.model.to_dict()
        weights = own.get('pretrained')
        if weights is True:
            raise BadConfigError(f"cfg_path {path!r}: pretrained=True needs a zoo config "
                                 "('mmpretrain::...'); pass pretrained='path/to/weights.pth'")
        weights = weights or None
    if 'init_cfg' in own:
        model = zoo.drop_pretrained_init(model)
    merged = Config(dict(model=model))
    merged.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    return merged.model.to_dict(), weights


def model_config(cfg: dict) -> dict:
    """Expand ``cfg_path`` (if any) into a full model config dict."""
    return expand_config(cfg)[0]


def check_type(cfg: dict, where: str = 'model') -> None:
    """Raise :class:`BadConfigError` if ``cfg['type']`` is not registered."""
    if 'type' not in cfg:
        raise BadConfigError(f'{where} has no `type`; got keys {sorted(cfg)}')
    name = cfg['type']
    if isinstance(name, str) and cfg.get('_scope_') and '.' not in name:
        name = f"{cfg['_scope_']}.{name}"  # a zoo model, built in its package's scope
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
    path = cfg.get('cfg_path') if isinstance(cfg, dict) else None
    cfg, weights = expand_config(cfg)
    check_type(cfg, where)
    if path and zoo.package_of(path) and not path.startswith(PACKAGE_PREFIX):
        zoo.check_remote_inits(cfg, where, path)
    try:
        # as a config file would give it: mmdet reads nested settings as attributes (test_cfg.nms)
        model = MODELS.build(ConfigDict(cfg))
    except (SfkdError, TypeError, ValueError, KeyError) as err:
        message = str(err.args[0]) if err.args else type(err).__name__
        cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
        if isinstance(err, TypeError) and isinstance(cls, type):
            message = unexpected_option(message, cls) or message
        raise BadConfigError(f'{where}: {message}') from None
    if weights:
        load_pretrained(model, weights, where, path)
    return model


def load_pretrained(model: nn.Module, weights: str, where: str, path: Any) -> None:
    """Load ``pretrained`` weights (a file, or a URL fetched now) into ``model``, strictly."""
    from sfkd.utils.checkpoint_io import load_weights
    if weights.startswith(zoo.REMOTE_PREFIXES):
        weights = zoo.fetch(weights, f'{where} (cfg_path {path!r}) pretrained',
                            "download it where there is a network and pass "
                            "pretrained='path/to/file.pth', or set pretrained=False")
    load_weights(model, weights, owner=where)
    model.pretrained_from = weights
    model._is_init = True  # MMEngine's init_weights must not overwrite the loaded weights

"""Models from the OpenMMLab model zoos, as MMRazor users name them.

``cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'`` (or ``mmdet::``,
``mmseg::``, any package MMEngine knows) reads that package's config through
MMEngine's own ``mmengine.hub.get_config``; the model is then built in the
package's scope (``_scope_``), so the config's unscoped types resolve.

Keys next to ``cfg_path`` with a meaning of their own:

- ``pretrained=True`` loads the weights the package's metafile lists for the
  config; ``pretrained='file.pth'`` (or a URL) loads that file; strict, so a
  checkpoint that does not fit is an error, not a silent partial load.
- ``init_cfg=None`` drops the zoo model's own pretrained initialisation (the
  backbone's ``init_cfg`` such as ``torchvision://resnet50``, or mmseg's
  ``pretrained``), for a model trained from scratch.

Weights that need the network are fetched into torch's hub cache (where
MMEngine's loaders find them again) by :func:`prefetch`, which the tools call
before anything is built or written, and again when a model is built, so that
an offline machine fails at once with a one-line error naming the URL.
"""
import importlib.util
import os
import os.path as osp
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import urlparse

from mmengine.config import Config
from mmengine.config.utils import MODULE2PACKAGE

from sfkd.utils.errors import BadConfigError

REMOTE_PREFIXES = ('http://', 'https://', 'torchvision://', 'modelzoo://', 'open-mmlab://',
                   'openmmlab://')


def package_of(path: str) -> str:
    """``'mmdet'`` for ``'mmdet::retinanet/x.py'``; ``''`` for a file path."""
    return path.split('::', 1)[0] if '::' in path else ''


def load_package_config(path: str, want_weights: bool = False) -> Config:
    """Read ``pkg::<config>`` with MMEngine, with one-line errors."""
    from mmengine.hub import get_config
    package = package_of(path)
    if package not in MODULE2PACKAGE:
        raise BadConfigError(
            f'cfg_path {path!r}: unknown package {package!r}; the prefixes MMEngine knows are '
            f'{sorted(MODULE2PACKAGE)} (sfkd:: for sfkd\'s own configs)')
    if importlib.util.find_spec(package) is None:
        raise BadConfigError(f'cfg_path {path!r}: the package {package!r} is not installed; '
                             f'install it with `pip install {MODULE2PACKAGE[package]}`')
    try:
        cfg = get_config(path, pretrained=want_weights)
    except (FileNotFoundError, ValueError, AssertionError) as err:
        raise BadConfigError(f'cfg_path {path!r} not found in the installed {package} '
                             f'({" ".join(str(err).split())[:160]}); the path is relative to '
                             f'{package}\'s configs/ folder, e.g. '
                             f"'{package}::<folder>/<config>.py'") from None
    if 'model' not in cfg:
        raise BadConfigError(f'cfg_path {path!r} defines no `model`')
    return cfg


def zoo_model(path: str, pretrained: Any = False) -> Tuple[dict, Any]:
    """The ``model`` of a zoo config, set to build in its package's scope.

    Returns:
        The model config, and the weights to load after building it (``None``,
        or a file path or URL).
    """
    cfg = load_package_config(path, want_weights=pretrained is True)
    model = cfg.model.to_dict()
    package = package_of(path)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model:
        model['data_preprocessor'] = cfg.data_preprocessor  # mmpretrain keeps it at the top
    if package != 'sfkd':
        model.setdefault('_scope_', package)
    if pretrained is True:
        weights = cfg.get('model_path')
        if not weights:
            raise BadConfigError(f'cfg_path {path!r}: pretrained=True, but the {package} '
                                 'metafile lists no weights for this config; pass '
                                 "pretrained='path/to/weights.pth'")
    elif pretrained in (False, None):
        weights = None
    elif isinstance(pretrained, str):
        weights = pretrained
    else:
        raise BadConfigError(f'cfg_path {path!r}: pretrained must be True, False or a path '
                             f'or URL of a checkpoint, got {pretrained!r}')
    return model, weights


def drop_pretrained_init(cfg: Any) -> Any:
    """``cfg`` without any pretrained initialisation (``init_cfg=None`` next to cfg_path)."""
    if isinstance(cfg, dict):
        out = {}
        for key, value in cfg.items():
            if key == 'init_cfg' and _is_pretrained_init(value):
                continue
            if key == 'pretrained' and isinstance(value, str):
                continue
            out[key] = drop_pretrained_init(value)
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(drop_pretrained_init(v) for v in cfg)
    return cfg


def _is_pretrained_init(init: Any) -> bool:
    inits = init if isinstance(init, (list, tuple)) else [init]
    return any(isinstance(i, dict) and i.get('type') == 'Pretrained' for i in inits)


def remote_inits(cfg: Any, where: str = 'model') -> Iterator[Tuple[str, str]]:
    """``(config key, checkpoint)`` of every initialisation from the network in ``cfg``."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            here = f'{where}.{key}'
            if key == 'init_cfg':
                inits = value if isinstance(value, (list, tuple)) else [value]
                for init in inits:
                    if isinstance(init, dict) and init.get('type') == 'Pretrained' and \
                            str(init.get('checkpoint', '')).startswith(REMOTE_PREFIXES):
                        yield here, init['checkpoint']
            elif key == 'pretrained' and isinstance(value, str) and \
                    value.startswith(REMOTE_PREFIXES):
                yield here, value
            else:
                yield from remote_inits(value, here)
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            yield from remote_inits(value, f'{where}[{i}]')


def resolve_url(checkpoint: str) -> str:
    """The http(s) URL behind MMEngine's ``torchvision://`` and ``open-mmlab://`` names."""
    from mmengine.runner.checkpoint import (get_deprecated_model_names, get_external_models,
                                            get_torchvision_models)
    for prefix in ('torchvision://', 'modelzoo://'):
        if checkpoint.startswith(prefix):
            return get_torchvision_models()[checkpoint[len(prefix):]]
    for prefix in ('open-mmlab://', 'openmmlab://'):
        if checkpoint.startswith(prefix):
            name = checkpoint[len(prefix):]
            name = get_deprecated_model_names().get(name, name)
            return get_external_models()[name]
    return checkpoint


def cached_path(url: str) -> str:
    """Where torch's hub cache (and so MMEngine's http loader) keeps ``url``."""
    import torch
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(urlparse(url).path))


def fetch(checkpoint: str, what: str, fix: str) -> str:
    """Download ``checkpoint`` into the hub cache unless it is there; return the local file.

    Args:
        checkpoint: A URL or an MMEngine ``torchvision://``/``open-mmlab://`` name.
        what: What needs it, for the error (``model.teacher (cfg_path ...) pretrained``).
        fix: How to do without the network, for the error.
    """
    import torch
    try:
        url = resolve_url(checkpoint)
    except KeyError:
        raise BadConfigError(f'{what}: {checkpoint!r} is not a checkpoint name MMEngine '
                             f'knows; {fix}') from None
    local = cached_path(url)
    if osp.isfile(local):
        return local
    try:
        os.makedirs(osp.dirname(local), exist_ok=True)
        torch.hub.download_url_to_file(url, local, progress=False)
    except Exception as err:  # noqa: BLE001 - any failure to fetch is reported the same way
        reason = ' '.join(str(err).split())[:120] or type(err).__name__
        raise BadConfigError(f'{what}: {url} cannot be downloaded ({reason}); {fix} '
                             f'(or put the file at {local})') from None
    return local


def check_remote_inits(model: dict, where: str, path: str) -> None:
    """Fetch every network initialisation of a zoo model now, or fail with one line."""
    for key, checkpoint in remote_inits(model, where):
        fetch(checkpoint, f'{where} (cfg_path {path!r}) initialises {key} from {checkpoint}',
              f'set init_cfg=None next to cfg_path to train {where} from scratch, or point '
              f'{key} at a local file')


def split_zoo_keys(cfg: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Separate sfkd's own keys (``pretrained``, ``init_cfg=None``) from model overrides."""
    own, overrides = {}, {}
    for key, value in cfg.items():
        if key == 'pretrained' or (key == 'init_cfg' and value is None):
            own[key] = value
        else:
            overrides[key] = value
    return own, overrides


def known_packages() -> List[str]:
    return sorted(MODULE2PACKAGE)


def prefetch(cfg: Any, where: str = 'model') -> None:
    """Fetch the network weights of every zoo model in a model config, before anything
    is built or written, so that an offline run stops at once with one line."""
    if isinstance(cfg, dict):
        path = cfg.get('cfg_path')
        if isinstance(path, str) and package_of(path) and not path.startswith('sfkd::'):
            own, _ = split_zoo_keys({k: v for k, v in cfg.items() if k != 'cfg_path'})
            model, weights = zoo_model(path, own.get('pretrained', False))
            if 'init_cfg' not in own:
                check_remote_inits(model, where, path)
            if weights and weights.startswith(REMOTE_PREFIXES):
                fetch(weights, f'{where} (cfg_path {path!r}) pretrained',
                      "download it where there is a network and pass "
                      "pretrained='path/to/file.pth', or set pretrained=False")
        for key, value in cfg.items():
            prefetch(value, f'{where}.{key}')
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            prefetch(value, f'{where}[{i}]')

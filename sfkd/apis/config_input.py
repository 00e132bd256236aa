"""The config a caller hands to :func:`sfkd.apis.train` and :func:`sfkd.apis.test`: a
path (``sfkd::<path>`` for a config shipped with sfkd) or a loaded ``Config``, with
``cfg_options`` merged as ``--cfg-options`` would merge them."""
import copy
import os
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config

from sfkd.utils.cfg_options import check_cfg_options
from sfkd.utils.config_loading import load_config
from sfkd.utils.errors import BadConfigError

ConfigInput = Union[str, 'os.PathLike[str]', Config]


def config_name(cfg: ConfigInput) -> str:
    """How the config is named in messages and in the default work dir: the path as
    given, or the file a ``Config`` was read from."""
    if isinstance(cfg, Config):
        return cfg.filename or 'the config'
    return os.fspath(cfg)


def load(cfg: ConfigInput, cfg_options: Optional[dict] = None) -> Config:
    """A copy of ``cfg`` (read if it is a path) with ``cfg_options`` merged into it.

    Args:
        cfg: A config file, ``sfkd::<path inside configs/>``, or a ``Config`` (left
            unchanged).
        cfg_options: ``{dotted key: value}``, as ``--cfg-options key=value``; a key
            that looks like a typo of one in the config is refused.

    Raises:
        BadConfigError: The file is missing or unreadable, or an option is a typo.
    """
    if isinstance(cfg, Config):
        cfg = copy.deepcopy(cfg)
        if cfg_options:
            check_cfg_options(cfg.to_dict(), cfg_options)
            cfg.merge_from_dict(cfg_options)
        return cfg
    if isinstance(cfg, (str, os.PathLike)):
        return load_config(os.fspath(cfg), cfg_options)
    raise BadConfigError(f'the config must be a path or an mmengine Config, got '
                         f'{type(cfg).__name__}')


def default_work_dir(name: str) -> str:
    """``work_dirs/<config name>``, where a run without a work dir writes."""
    return osp.join('work_dirs', osp.splitext(osp.basename(name))[0])

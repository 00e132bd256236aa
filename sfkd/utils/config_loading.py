"""Read a config file, a path or ``sfkd::<path>``, with one-line errors.

The library's way in to a config (the APIs use it); the commands turn its
errors into their ``sfkd: error: ...`` line (:mod:`sfkd.tools._config`).
Errors are :class:`ConfigFileError`, a :class:`~sfkd.utils.errors.BadConfigError`:
a program that calls the library catches them as exceptions.
"""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from sfkd.utils.cfg_options import check_cfg_options
from sfkd.utils.errors import BadConfigError

PACKAGE_PREFIX = 'sfkd::'


class ConfigFileError(BadConfigError):
    """A config file that is missing, is not one of sfkd's or cannot be read."""


def configs_dir() -> str:
    """The folder of the configs shipped inside the package (``sfkd/.mim/configs``)."""
    return osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim', 'configs')


def config_file(path: str) -> str:
    """The file behind ``path``: ``sfkd::<path>`` is a config shipped with sfkd."""
    if not path.startswith(PACKAGE_PREFIX):
        return path
    configs = configs_dir()
    file = osp.join(configs, path[len(PACKAGE_PREFIX):])
    if not osp.isfile(file):
        raise ConfigFileError(f'config {path!r} is not one of sfkd\'s configs (looked in '
                              f"{configs}); pass 'sfkd::<path inside configs/>', for example "
                              "'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py'")
    return file


def read_config(path: str) -> Config:
    """The config in ``path`` (a file, or ``sfkd::<path>``), its ``_base_`` files merged."""
    path = config_file(path)
    if not osp.isfile(path):
        raise ConfigFileError(f'config file {path!r} not found; pass the path of a .py config '
                              '(for example sfkd::baseline/small-resnet_3e_fashion-mnist.py)')
    try:
        return Config.fromfile(path)
    except SyntaxError as err:
        raise ConfigFileError(f'config {path} is not valid Python: {err.msg} '
                              f'(line {err.lineno})') from None
    except (FileNotFoundError, ModuleNotFoundError, ValueError, AssertionError) as err:
        raise ConfigFileError(f'config {path} could not be loaded: {err}') from None


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read ``path`` (:func:`read_config`) and merge ``cfg_options`` (``--cfg-options``) into
    it; a key that looks like a typo of one in the config is refused
    (:func:`~sfkd.utils.cfg_options.check_cfg_options`)."""
    cfg = read_config(path)
    if cfg_options:
        check_cfg_options(cfg.to_dict(), cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg

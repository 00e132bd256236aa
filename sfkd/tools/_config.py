"""Load a config for the command-line tools, with one-line errors."""
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction  # noqa: F401  (re-exported)


class UsageError(SystemExit):
    """A bad config reported as one line instead of a stack trace."""

    def __init__(self, message: str) -> None:
        super().__init__(f'sfkd: error: {message}')


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read ``path`` and merge ``--cfg-options`` into it."""
    if not osp.isfile(path):
        raise UsageError(f'config file {path!r} not found; pass the path of a .py config '
                          '(for example configs/baseline/small-resnet_3e_fashion-mnist.py)')
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as err:
        raise UsageError(f'config {path} is not valid Python: {err.msg} '
                          f'(line {err.lineno})') from None
    except (FileNotFoundError, ModuleNotFoundError, ValueError, AssertionError) as err:
        raise UsageError(f'config {path} could not be loaded: {err}') from None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def default_work_dir(config_path: str) -> str:
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])

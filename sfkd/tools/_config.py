"""Load a config for the command-line tools, with one-line errors."""
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from mmengine.config import Config, DictAction  # noqa: F401  (re-exported)

from sfkd.tools.cfg_options import check_cfg_options
from sfkd.utils.errors import SfkdError
from sfkd.utils.options import explain_build_type_error


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
        check_cfg_options(cfg.to_dict(), cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def default_work_dir(config_path: str) -> str:
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


@contextmanager
def one_line_errors(build: bool = True) -> Iterator[None]:
    """Report user errors as one line (``SFKD_DEBUG=1`` shows the traceback).

    sfkd's own errors are always user errors. While the Runner is being built
    (``build=True``), so are the ``KeyError``/``ValueError``/``TypeError`` that
    MMEngine's registry raises for unknown types and bad arguments; during
    training those may be bugs, so they keep their traceback.
    """
    user_errors = (SfkdError, KeyError, ValueError, TypeError) if build else (SfkdError, )
    try:
        yield
    except UsageError:
        _set_apart()
        raise
    except user_errors as err:
        if os.environ.get('SFKD_DEBUG'):
            raise
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        prefix = '' if isinstance(err, SfkdError) else f'{type(err).__name__}: '
        if isinstance(err, TypeError) and explain_build_type_error(message):
            prefix, message = '', explain_build_type_error(message)
        _set_apart()
        raise UsageError(prefix + ' '.join(message.split())) from None


def _set_apart() -> None:
    """Flush the logs and leave a blank line, so that the error is the last line, on its own."""
    sys.stdout.flush()
    sys.stderr.write('\n')
    sys.stderr.flush()

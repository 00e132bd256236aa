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


PACKAGE_PREFIX = 'sfkd::'


def config_file(path: str) -> str:
    """The file behind ``path``: ``sfkd::<path>`` is a config shipped with sfkd."""
    if not path.startswith(PACKAGE_PREFIX):
        return path
    import sfkd
    configs = osp.join(osp.dirname(osp.abspath(sfkd.__file__)), '.mim', 'configs')
    file = osp.join(configs, path[len(PACKAGE_PREFIX):])
    if not osp.isfile(file):
        raise UsageError(f'config {path!r} is not one of sfkd\'s configs (looked in {configs}); '
                         "pass 'sfkd::<path inside configs/>', for example "
                         "'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py'")
    return file


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read ``path`` (a file, or ``sfkd::<path>``) and merge ``--cfg-options`` into it."""
    path = config_file(path)
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


def add_working_dir_to_path() -> None:
    """Make modules of the working directory importable (a project's ``custom_imports``),
    as ``python -m`` does; console scripts do not do it by themselves."""
    cwd = os.getcwd()
    if cwd not in sys.path and '' not in sys.path:
        sys.path.insert(0, cwd)


@contextmanager
def error_last() -> Iterator[None]:
    """Keep a one-line ``sfkd: error:`` after all other output (``one_line_errors`` sets it
    apart with a blank line).

    Under ``sfkd.tools.launch`` (``dist_train.sh``/``dist_test.sh``) the message is also
    left in ``SFKD_ERROR_DIR``, so that the launcher can repeat it after torchrun's report.
    """
    try:
        yield
    except SystemExit as err:
        if isinstance(err.code, str) and err.code.startswith('sfkd: error: '):
            sys.stdout.flush()
            folder = os.environ.get('SFKD_ERROR_DIR')
            if folder and osp.isdir(folder):
                rank = os.environ.get('RANK', '0')
                with open(osp.join(folder, f'rank{rank}.txt'), 'w') as f:
                    f.write(err.code)
        raise


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

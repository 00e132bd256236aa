"""Load a config for the command-line tools, with one-line errors.

The loading itself is the library's (:mod:`sfkd.utils.config_loading`); here its
errors become the commands' ``sfkd: error: ...`` exit.
"""
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from mmengine.config import Config, DictAction  # noqa: F401  (re-exported)

from sfkd.apis.config_input import default_work_dir  # noqa: F401  (re-exported)
from sfkd.utils import config_loading
from sfkd.utils.config_loading import PACKAGE_PREFIX  # noqa: F401  (re-exported)
from sfkd.utils.errors import SfkdError
from sfkd.utils.options import explain_build_type_error


class UsageError(SystemExit):
    """A bad config reported as one line instead of a stack trace."""

    def __init__(self, message: str) -> None:
        super().__init__(f'sfkd: error: {message}')


def config_file(path: str) -> str:
    """:func:`sfkd.utils.config_loading.config_file`, its error as the command's exit."""
    try:
        return config_loading.config_file(path)
    except config_loading.ConfigFileError as err:
        raise UsageError(str(err)) from None


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """:func:`sfkd.utils.config_loading.load_config`: a file that cannot be read is the
    command's exit; a ``--cfg-options`` typo stays a ``BadConfigError``, reported by
    :func:`one_line_errors`."""
    try:
        return config_loading.load_config(path, cfg_options)
    except config_loading.ConfigFileError as err:
        raise UsageError(str(err)) from None


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

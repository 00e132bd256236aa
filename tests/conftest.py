"""Shared fixtures. Helper functions live in tests/helpers/sfkd_testing.py."""
import os
import os.path as osp
import socket
import sys

import pytest

HELPERS = osp.join(osp.dirname(osp.abspath(__file__)), 'helpers')
sys.path.insert(0, HELPERS)
sys.path.insert(0, osp.dirname(osp.dirname(HELPERS)))  # the repository root

from sfkd_testing import FMNIST_ROOT  # noqa: E402


@pytest.fixture(scope='session')
def fmnist_root() -> str:
    if not osp.isfile(osp.join(FMNIST_ROOT, 'train-images-idx3-ubyte')):
        pytest.fail(f'Fashion-MNIST is not prepared in {FMNIST_ROOT}: run `bash tools/setup.sh`')
    return FMNIST_ROOT


@pytest.fixture
def in_repo():
    """Run the test in the repository root: the pipelines' configs are relative to it."""
    from sfkd_testing import ROOT
    cwd = os.getcwd()
    os.chdir(ROOT)
    yield
    os.chdir(cwd)


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def canvas_root(tmp_path_factory, fmnist_root) -> str:
    """A tiny set of Fashion-MNIST canvases (8 train, 4 val, 4 test), made once per session."""
    from canvas_data import make_tiny_canvases
    return make_tiny_canvases(tmp_path_factory.mktemp('fashion_canvases'))


@pytest.fixture(scope='session')
def mri_root(tmp_path_factory) -> str:
    """Real 32x32 slices of mricron-data's T1 volumes, prepared once per session."""
    from sfkd.datasets.mri.t1_slices import HUMAN, TEMPLATES, prepare_mri_t1
    if not osp.isfile(osp.join(TEMPLATES, HUMAN)):
        pytest.fail(f'{TEMPLATES}/{HUMAN} is missing: run `bash tools/setup.sh` '
                    '(it installs the Debian package mricron-data)')
    out = str(tmp_path_factory.mktemp('mri_t1'))
    prepare_mri_t1(out, size=32)
    return out

"""Shared fixtures, the test tiers and the slowest-tests report.

Helper functions live in tests/helpers/sfkd_testing.py.
"""
import os
import os.path as osp
import socket
import sys
from collections import defaultdict

import pytest

# Under pytest-xdist each worker gets one thread: two workers on two cores, each with
# torch's default pool of one thread per core, run the suite at half the speed.
if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    import torch
    torch.set_num_threads(1)

# sfkd's runner leaves its config text unformatted (MMEngine's yapf pass, a few tenths of a
# second a run, hundreds of runs); the quick-start test runs the main job with it
# (tests/test_apis/test_pipeline.py) and tests/test_engine/test_config_text.py tests it
os.environ.setdefault('SFKD_FORMAT_CONFIG', '0')

# the tests' helper modules (tests/helpers: sfkd_testing, ...); sfkd itself is the
# installed package, and the repository root is not put on the path
HELPERS = osp.join(osp.dirname(osp.abspath(__file__)), 'helpers')
sys.path.insert(0, HELPERS)

from sfkd_testing import FMNIST_ROOT  # noqa: E402


@pytest.fixture(scope='session')
def fmnist_root() -> str:
    if not osp.isfile(osp.join(FMNIST_ROOT, 'train-images-idx3-ubyte')):
        pytest.fail(f'Fashion-MNIST is not prepared in {FMNIST_ROOT}: run `bash tools/setup.sh`')
    return FMNIST_ROOT


@pytest.fixture
def in_repo():
    """Run the test in the repository root: for a script named by its path in the clone
    (``bash tools/run_main.sh``) or a data set a test builds from a config's relative
    ``data_root``. sfkd's own code needs no particular directory: its configs are
    ``sfkd::<path>`` and the commands find the data through ``SFKD_DATA_ROOT``."""
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
def teacher_ckpt(tmp_path_factory) -> str:
    """A checkpoint of the Fashion-MNIST teacher (the small ResNet, seed-0 random weights)
    as MMEngine writes it: weights are enough where the teacher's accuracy is not tested."""
    import torch
    from mmengine import DefaultScope

    from sfkd.models.model_config import build_model
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


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


# ------------------------------------------------------------------ tiers
TIERS = {
    'unit': 'one function or module on tiny tensors; no Runner, no training run',
    'integration': 'several components together in-process: a Runner, a few real iterations',
    'e2e': 'a command, a pipeline or a study run end to end (often in a child process)',
    'distributed': 'several processes (gloo through torchrun); run one at a time',
    'zoo': "every shipped config (the GPU recipes included) builds and trains a step",
    'docs': "the docs' commands, snippets and data files against the code and stored files",
    'gpu': 'needs CUDA; skipped without it (tools/gpu_check.sh runs the GPU checks)',
}
SLOWEST = 30
SLOWEST_FILE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'work_dirs',
                        'slowest_tests.txt')


def pytest_configure(config):
    for tier, meaning in TIERS.items():
        config.addinivalue_line('markers', f'{tier}: {meaning}')
    if not hasattr(config, 'workerinput'):  # the controller, or a run without xdist
        config.pluginmanager.register(SlowestTests(), 'sfkd-slowest-tests')


def tier_of(item) -> str:
    """The tier closest to the test: its own marker, else its module's ``pytestmark``."""
    for mark in item.iter_markers():
        if mark.name in TIERS:
            return mark.name
    return ''


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    untiered = [item.nodeid for item in items if not tier_of(item)]
    if untiered:
        raise pytest.UsageError(
            f'{len(untiered)} tests have no tier marker (first: {untiered[0]}); give the module '
            f'`pytestmark = pytest.mark.<tier>` with a tier of {sorted(TIERS)} '
            '(tests/conftest.py)')
    import torch
    for item in items:
        tier = tier_of(item)
        if tier == 'gpu' and not torch.cuda.is_available():
            item.add_marker(pytest.mark.skip(reason='needs CUDA'))
        if tier == 'distributed':
            # --dist loadgroup keeps the group on one worker where pytest-xdist honours it;
            # with pytest 9.2 and pytest-xdist 3.8 it groups nothing (pytest-dev/pytest-xdist
            # #1386), and two of them may run at once, each on ports of its own
            item.add_marker(pytest.mark.xdist_group('multi_process'))


# ------------------------------------------------------------------ slowest tests
class SlowestTests:
    """Adds up each test's setup, call and teardown times (on the xdist controller, from
    the workers' reports) and writes the slowest to ``SLOWEST_FILE`` and the terminal."""

    def __init__(self) -> None:
        self.seconds = defaultdict(float)

    def pytest_runtest_logreport(self, report):
        self.seconds[report.nodeid] += report.duration

    def pytest_terminal_summary(self, terminalreporter):
        if not self.seconds:
            return
        slowest = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:SLOWEST]
        lines = [f'{seconds:8.2f}s  {nodeid}' for nodeid, seconds in slowest]
        os.makedirs(osp.dirname(SLOWEST_FILE), exist_ok=True)
        with open(SLOWEST_FILE, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        terminalreporter.write_sep('=', f'{len(lines)} slowest tests (also in {SLOWEST_FILE})')
        for line in lines:
            terminalreporter.write_line(line)

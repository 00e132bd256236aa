"""sfkd as a user gets it: built into a wheel, installed into a fresh virtual
environment, and run from an empty directory that is not the repository.

The wheel is built the way ``python -m build`` does (a source distribution, then
a wheel from it, offline and without build isolation), from a copy of the
repository's packaging files so that the checkout is left as it was. The
environment is made with ``venv --without-pip``; torch, mmcv and the mm*
libraries come from this interpreter's site-packages through a ``.pth`` line,
which adds that folder only: the editable install of sfkd recorded there (a
``.pth`` file of its own, naming the checkout) is not processed, so the sfkd
that runs is the wheel's. The data sets come from ``SFKD_DATA_ROOT``.
"""
import json
import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import zipfile
from typing import Dict, List

import pytest
from sfkd_testing import FMNIST_ROOT, ROOT

# one worker builds and installs the wheel once for the module (pytest-xdist --dist loadgroup)
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group('installed_wheel')]

DATA = osp.dirname(FMNIST_ROOT)  # the folder that holds the prepared data sets
# what setup.py and MANIFEST.in read: the wheel is built from a copy of these
PACKAGING = ('setup.py', 'setup.cfg', 'MANIFEST.in', 'README.md', 'requirements', 'sfkd',
             'configs')
COMMANDS = ('sfkd-train', 'sfkd-test', 'sfkd-export-student', 'sfkd-prepare-data')
CONFIG = 'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py'
SMALL = ['train_dataloader.dataset.indices=64', 'val_dataloader.dataset.indices=32',
         'test_dataloader.dataset.indices=32', 'train_dataloader.batch_size=32',
         'val_dataloader.batch_size=32', 'test_dataloader.batch_size=32',
         'train_cfg.max_epochs=1', 'log_level=ERROR']
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
SMALL += [f'{loader}.{key}' for loader in LOADERS
          for key in ('num_workers=0', 'persistent_workers=False')]

# in the environment, from the empty directory: where sfkd and its configs come
# from, then the pipeline's smoke scale through the library, with one teacher type
# and one KD method (a teacher, the student alone and a KD student: 3 of the smoke
# scale's 10 runs, which take about a minute on two cores)
PIPELINE = '''
import json, sys
import sfkd
from mmengine.utils import get_installed_path
from sfkd.apis import get_task, run_pipeline, summarise
from sfkd.utils.config_loading import config_file
task = get_task('cls')
scale = task.scales['smoke']
results = run_pipeline(task, scale, 'pipeline')
summarise(task, results, scale, 'pipeline', 'run_pipeline(cls, smoke)')
print(json.dumps(dict(sfkd=sfkd.__file__, sys_path=sys.path, mim=get_installed_path('sfkd'),
                      config=config_file(task.student_alone),
                      runs=[(r['kind'], r['config'], r['metrics']['accuracy']) for r in results])))
'''


class Installed:
    """A wheel of the repository, installed into a fresh environment."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.wheel = ''
        self.venv = osp.join(root, 'venv')
        self.bin = osp.join(self.venv, 'bin')
        self.site = ''

    def env(self, **extra: str) -> Dict[str, str]:
        """The environment of a user of the install: its commands first on PATH, no
        PYTHONPATH, no data folder unless given."""
        env = {k: v for k, v in os.environ.items()
               if k not in ('PYTHONPATH', 'SFKD_DATA_ROOT', 'PYTHONHOME')}
        env.update(PATH=self.bin + os.pathsep + env.get('PATH', ''), OMP_NUM_THREADS='1',
                   **extra)
        return env

    def run(self, cmd: List[str], cwd: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, cwd=cwd, env=self.env(**extra), capture_output=True,
                              text=True, timeout=600)


def build(cmd: List[str], cwd: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f'{cmd}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}'


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> Installed:
    out = Installed(str(tmp_path_factory.mktemp('installed')))
    src = osp.join(out.root, 'src')
    os.makedirs(src)
    for name in PACKAGING:
        path = osp.join(ROOT, name)
        if osp.isdir(path):  # sfkd/.mim/configs stays a link to the copied configs/
            shutil.copytree(path, osp.join(src, name), symlinks=True,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copy2(path, src)
    dist = osp.join(out.root, 'dist')
    build([sys.executable, 'setup.py', '-q', 'sdist', '-d', dist], src)
    sdist = [f for f in os.listdir(dist) if f.endswith('.tar.gz')]
    build([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation',
           '--no-index', '-w', dist, osp.join(dist, sdist[0])], src)
    out.wheel = osp.join(dist, [f for f in os.listdir(dist) if f.endswith('.whl')][0])
    build([sys.executable, '-m', 'venv', '--without-pip', out.venv], out.root)
    python = osp.join(out.bin, 'python')
    build([sys.executable, '-m', 'pip', '--python', python, 'install', '-q', '--no-deps',
           '--no-index', out.wheel], out.root)
    out.site = subprocess.check_output(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        text=True).strip()
    # torch, mmcv and the mm* libraries: this interpreter's site-packages, after the
    # environment's own (a .pth line is appended to sys.path; its .pth files are not read)
    with open(osp.join(out.site, 'project_site_packages.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    return out


@pytest.fixture
def empty_dir(tmp_path) -> str:
    folder = tmp_path / 'empty'
    folder.mkdir()
    assert osp.commonpath([str(folder), ROOT]) != ROOT
    return str(folder)


def test_the_wheel_ships_every_config_its_commands_and_no_source_build(installed):
    """The configs are package data (sfkd::<path> resolves in the install), every
    command is an entry point, and installing it never builds torch or mmcv from source
    (they are installed first, mmcv built against the installed torch)."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        info = [n for n in names if n.endswith('.dist-info/METADATA')][0]
        metadata = wheel.read(info).decode()
        entry_points = wheel.read(info.replace('METADATA', 'entry_points.txt')).decode()
    configs = {osp.relpath(osp.join(d, f), osp.join(ROOT, 'configs'))
               for d, _, files in os.walk(osp.join(ROOT, 'configs')) for f in files
               if f.endswith('.py')}
    assert len(configs) > 100
    assert sorted(c for c in configs if f'sfkd/.mim/configs/{c}' not in names) == []
    assert 'sfkd/.mim/model-index.yml' in names
    assert not any(n.startswith(('configs/', 'tools/', 'tests/')) for n in names)
    for command in COMMANDS:
        assert f'{command} = sfkd.tools.' in entry_points, command
        assert osp.isfile(osp.join(installed.bin, command))
    requires = [line.split(':', 1)[1].split(';')[0].strip().lower()
                for line in metadata.splitlines() if line.startswith('Requires-Dist:')]
    assert 'mmengine==0.10.7' in requires
    assert not [r for r in requires if r.startswith(('torch', 'mmcv'))], requires
    # the installed configs are files of the environment, not a link into the checkout
    configs_dir = osp.join(installed.site, 'sfkd', '.mim', 'configs')
    assert not osp.islink(configs_dir) and osp.isfile(osp.join(configs_dir, CONFIG[6:]))


def test_train_and_test_from_an_empty_directory(installed, empty_dir):
    """sfkd-train on sfkd's own config and sfkd-test on the checkpoint it wrote; the
    data roots come from SFKD_DATA_ROOT, not from the working directory."""
    proc = installed.run(['sfkd-train', CONFIG, '--work-dir', 'work', '--cfg-options', *SMALL],
                         empty_dir, SFKD_DATA_ROOT=DATA)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = osp.join(empty_dir, 'work')
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    dumped = open(osp.join(work, osp.basename(CONFIG))).read()
    assert f"data_root='{osp.join(DATA, 'fashion_mnist')}'" in dumped

    proc = installed.run(['sfkd-test', CONFIG, 'work/epoch_1.pth', '--work-dir', 'work',
                          '--out', 'metrics.json', '--cfg-options', *SMALL],
                         empty_dir, SFKD_DATA_ROOT=DATA)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = json.load(open(osp.join(empty_dir, 'metrics.json')))
    assert saved['config'] == CONFIG and saved['checkpoint'] == 'work/epoch_1.pth'
    assert 0.0 <= saved['metrics']['accuracy/top1'] <= 100.0


def test_without_a_data_folder_the_error_names_sfkd_data_root(installed, empty_dir):
    proc = installed.run(['sfkd-train', CONFIG, '--cfg-options', *SMALL], empty_dir)
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr
    last = proc.stderr.rstrip('\n').splitlines()[-1]
    assert last.startswith("sfkd: error: train_dataloader.dataset.data_root 'data/fashion_mnist' "
                           'does not exist'), proc.stderr[-2000:]
    assert f'(looked in the working directory {empty_dir}; SFKD_DATA_ROOT is not set)' in last
    assert 'set SFKD_DATA_ROOT to the folder that holds the data sets' in last
    assert os.listdir(empty_dir) == []  # nothing written


def test_pipeline_smoke_scale_through_the_library(installed, empty_dir):
    """The Python function behind ``tools/run_pipeline.py --scale smoke`` (``run_pipeline``
    and ``summarise``), run from the installed package: its sfkd::<path> configs resolve
    inside the environment, the data through SFKD_DATA_ROOT."""
    proc = installed.run([osp.join(installed.bin, 'python'), '-c', PIPELINE], empty_dir,
                         SFKD_DATA_ROOT=DATA)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    # the wheel's sfkd, not the checkout's (neither the repository nor its editable install)
    assert found['sfkd'] == osp.join(installed.site, 'sfkd', '__init__.py')
    project_sites = site.getsitepackages()
    assert [p for p in found['sys_path'] if (p + os.sep).startswith(ROOT + os.sep)
            and p not in project_sites] == []
    assert found['sys_path'].index(installed.site) < \
        found['sys_path'].index(project_sites[0])
    assert found['mim'] == osp.join(installed.site, 'sfkd')  # where mmengine finds sfkd::
    assert found['config'] == osp.join(installed.site, 'sfkd', '.mim', 'configs', 'baseline',
                                       'tiny-resnet_3e_fashion-mnist.py')
    runs = [(kind, config) for kind, config, _ in found['runs']]
    assert runs[:4] == [
        ('teacher', 'sfkd::baseline/small-resnet_3e_fashion-mnist.py'),
        ('teacher', 'sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'),
        ('teacher', 'sfkd::soteacher/soteacher_small-resnet_fashion-mnist.py'),
        ('alone', 'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py')]
    assert sorted(set(runs[4:])) == [  # KD and AT from each of the three teachers
        ('distill', 'sfkd::at/at_small-resnet_tiny-resnet_fashion-mnist.py'),
        ('distill', 'sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py')]
    assert len(runs) == 10
    assert all(0.0 <= acc <= 100.0 for _, _, acc in found['runs'])
    for name in ('results.md', 'results.csv', 'results.png'):
        assert osp.isfile(osp.join(empty_dir, 'pipeline', name)), name

"""sfkd-train and sfkd-test run from a project directory outside the repository:
the project's custom_imports are found, and sfkd's own configs are named sfkd::<path>."""
import json
import os.path as osp
import shutil
import subprocess

import pytest
from sfkd_testing import ROOT, subprocess_env, tiny_options

pytestmark = pytest.mark.e2e

PROJECT_MODULE = '''
import os
from mmengine.hooks import Hook
from sfkd.registry import HOOKS


@HOOKS.register_module()
class ProjectMarkerHook(Hook):
    """Writes a file when training starts: proves the project module was imported."""

    def __init__(self, path):
        self.path = path

    def before_train(self, runner):
        with open(self.path, 'w') as f:
            f.write('imported')
'''


def project_env() -> dict:
    env = subprocess_env()
    env.pop('PYTHONPATH')  # the installed sfkd; neither the project directory nor the tests'
    return env


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / 'my_project'
    folder.mkdir()
    (folder / 'my_hooks.py').write_text(PROJECT_MODULE)
    (folder / 'my_config.py').write_text(
        "_base_ = ['sfkd::baseline/tiny-resnet_3e_fashion-mnist.py']\n"
        "custom_imports = dict(imports=['my_hooks'], allow_failed_imports=False)\n"
        f"custom_hooks = [dict(type='ProjectMarkerHook', path='{folder / 'marker.txt'}')]\n")
    return folder


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=str(cwd), env=project_env(), capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(shutil.which('sfkd-train', path=subprocess_env()['PATH']) is None,
                    reason='sfkd is not installed (pip install -e .)')
def test_console_scripts_import_project_modules_and_take_sfkd_configs(project, fmnist_root):
    assert not osp.commonpath([str(project), ROOT]) == ROOT  # outside the repository
    work = project / 'work'
    proc = run(['sfkd-train', 'my_config.py', '--work-dir', str(work), '--cfg-options',
                *tiny_options(train=128, test=64, batch=64, epochs=1)], project)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (project / 'marker.txt').read_text() == 'imported'
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()

    # the project's own config again (its custom_imports); sfkd-test with an sfkd:: config
    # from outside any checkout is the installed-wheel test's
    config, out = 'my_config.py', project / 'metrics.json'
    proc = run(['sfkd-test', config, str(ckpt), '--work-dir', str(work), '--out', str(out),
                '--cfg-options', *tiny_options(train=128, test=64)], project)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = json.load(open(out))
    assert saved['config'] == config
    assert 0.0 <= saved['metrics']['accuracy/top1'] <= 100.0


def test_unknown_sfkd_config_is_a_one_line_error(tmp_path):
    (tmp_path / 'some.pth').write_bytes(b'')
    proc = run(['python', '-m', 'sfkd.tools.test', 'sfkd::baseline/nope.py', 'some.pth'],
               tmp_path)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("sfkd: error: config 'sfkd::baseline/nope.py' is not one of sfkd's "
                           'configs')
    assert 'Traceback' not in proc.stderr


def test_error_is_the_last_line_set_apart(tmp_path, fmnist_root):
    """An error found after the Runner printed its environment and config comes last."""
    proc = run(['python', '-m', 'sfkd.tools.train',
                osp.join(ROOT, 'configs', 'kd', 'kd_small-resnet_tiny-resnet_fashion-mnist.py'),
                '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                *tiny_options(train=128, test=64), 'model.teacher_ckpt=/nope/teacher.pth'],
               tmp_path)
    assert proc.returncode != 0
    lines = proc.stderr.rstrip('\n').splitlines()
    assert lines[-1].startswith("sfkd: error: teacher checkpoint '/nope/teacher.pth' not found"), \
        lines[-5:]
    assert lines[-2] == ''
    assert 'System environment' in proc.stdout  # the Runner did print before it
    assert len(proc.stdout.splitlines()) > 50


def test_train_takes_sfkd_configs_too(tmp_path):
    from sfkd.tools import train as train_tool
    cfg = train_tool.build_config(train_tool.parse_args(
        ['sfkd::baseline/tiny-resnet_3e_fashion-mnist.py', '--cfg-options',
         'train_cfg.max_epochs=1']))
    assert cfg.work_dir == osp.join('work_dirs', 'tiny-resnet_3e_fashion-mnist')
    assert cfg.model.backbone.stage_channels == (8, 16, 32)  # the shipped tiny ResNet
    assert cfg.train_cfg.max_epochs == 1

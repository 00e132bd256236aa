"""tools/train.py and tools/test.py on a real Fashion-MNIST subset."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from sfkd_testing import BASELINE_CFG, ROOT, subprocess_env, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e


def test_train_then_test_baseline(tmp_path, fmnist_root):
    work = str(tmp_path / 'work')
    runner = train_tool.run([BASELINE_CFG, '--work-dir', work, '--cfg-options',
                              *tiny_options(train=512, test=256, epochs=3)])
    assert runner.epoch == 3 and runner.iter == 3 * 8
    ckpt = osp.join(work, 'epoch_3.pth')
    assert osp.isfile(ckpt)
    state = torch.load(ckpt, map_location='cpu')  # safe loading (weights_only=True)
    assert 'backbone.layer1.0.conv1.weight' in state['state_dict']

    out = str(tmp_path / 'metrics.json')
    metrics = test_tool.run([BASELINE_CFG, ckpt, '--work-dir', work, '--out', out,
                              '--cfg-options', *tiny_options(train=512, test=256)])
    saved = json.load(open(out))
    assert saved['metrics'] == pytest.approx(metrics)
    # 512 real training images for 3 epochs: well above the 10% of chance
    assert metrics['accuracy/top1'] > 25.0


def test_module_entry_point_and_cfg_options(tmp_path, fmnist_root):
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, '-m', 'sfkd.tools.train', BASELINE_CFG, '--work-dir', str(work),
         '--cfg-options', *tiny_options(train=128, test=64), 'optim_wrapper.optimizer.lr=0.0123'],
        cwd=str(tmp_path), env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dumped = (work / 'small-resnet_3e_fashion-mnist.py').read_text()
    assert 'lr=0.0123' in dumped
    assert (work / 'epoch_1.pth').is_file()


@pytest.mark.parametrize('args, message', [
    (['configs/nope.py'], "config file 'configs/nope.py' not found"),
    ([BASELINE_CFG, '--resume', '/nonexistent/epoch_1.pth'],
     '--resume /nonexistent/epoch_1.pth: no such checkpoint file'),
    ([BASELINE_CFG, '--amp'], '--amp needs a GPU'),
])
def test_bad_command_lines_give_one_line_errors(tmp_path, args, message):
    if '--amp' in args and torch.cuda.is_available():
        pytest.skip('a GPU is present')
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), *args,
                           '--work-dir', str(tmp_path / 'w')], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert 'Traceback' not in proc.stderr


LIGHT_START = """
import sys
from sfkd.tools import {tool} as tool
try:
    tool.main({argv!r})
except SystemExit as exit:
    print('exit', exit.code, file=sys.stderr)
heavy = ('mmengine.runner', 'sfkd.models', 'sfkd.engine', 'sfkd.apis.training', 'mmpretrain')
print(sorted(m for m in heavy if m in sys.modules))
"""


@pytest.mark.parametrize('tool, argv, message', [
    ('train', ['--help'], 'exit 0'), ('test', ['--help'], 'exit 0'),
    ('train', ['configs/nope.py'], "config file 'configs/nope.py' not found"),
    ('test', ['configs/nope.py', 'no.pth'], "config file 'configs/nope.py' not found")])
def test_help_and_a_missing_config_answer_before_the_runner_is_imported(tool, argv, message):
    """The commands read their command line before they import the runner, the models and
    the engine, so that ``--help`` and a bad command line answer at once."""
    proc = subprocess.run([sys.executable, '-c', LIGHT_START.format(tool=tool, argv=argv)],
                          cwd=ROOT, env=subprocess_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert message in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == '[]'


def test_malformed_config_is_reported(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("_base_ = ['sfkd::baseline/small-resnet_3e_fashion-mnist.py']\nmodel = dict(\n")
    proc = subprocess.run([sys.executable, '-m', 'sfkd.tools.train', str(bad)], cwd=str(tmp_path),
                          env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'is not valid Python' in proc.stderr and 'Traceback' not in proc.stderr

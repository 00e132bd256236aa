"""A project outside the repository inherits sfkd's configs with `sfkd::`."""
import subprocess
import sys

import pytest
import torch
from sfkd_testing import subprocess_env, tiny_options

pytestmark = pytest.mark.e2e

DOWNSTREAM = """
_base_ = ['sfkd::baseline/small-resnet_3e_fashion-mnist.py']

# a downstream override: a narrower backbone
model = dict(
    backbone=dict(stem_channels=8, stage_channels=(8, 16, 24)),
    head=dict(in_channels=24))
"""


def test_downstream_config_trains_two_iterations(tmp_path, fmnist_root):
    project = tmp_path / 'downstream'
    project.mkdir()
    (project / 'my_config.py').write_text(DOWNSTREAM)
    work = project / 'work'
    env = subprocess_env()
    env['PYTHONPATH'] = ''  # only the installed sfkd: nothing from the repository tree
    # python -m (sfkd-train on a project's config: tests/test_tools/test_console_scripts.py)
    proc = subprocess.run(
        [sys.executable, '-m', 'sfkd.tools.train', 'my_config.py', '--work-dir', str(work),
         '--cfg-options', *tiny_options(train=128, test=64, batch=64, epochs=1)],
        cwd=str(project), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = torch.load(work / 'epoch_1.pth', map_location='cpu')
    assert state['meta']['iter'] == 2
    assert state['state_dict']['head.fc.weight'].shape == (10, 24)

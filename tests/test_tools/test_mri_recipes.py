"""The MRI guide's commands (docs/en/user_guides/mri.md), run as written (in order, with a
tiny-subset ``--cfg-options`` appended) on 32x32 T1 slices in a copy of the repository
layout."""
import os
import os.path as osp

import pytest
import runpy
import sys

from doc_blocks import docs_blocks, shell_commands
from sfkd_testing import ROOT

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.docs

HEADING = 'MRI reconstruction (SFT-KD-Recon)'
TINY = ['train_dataloader.dataset.indices=2', 'train_dataloader.batch_size=2',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=2',  # no validation pass
        'test_dataloader.dataset.indices=2', 'default_hooks.logger.interval=1']


def mri_commands():
    blocks = [b for b in docs_blocks() if b.lang == 'bash' and b.heading == HEADING]
    assert len(blocks) == 1, f'one bash block under "{HEADING}"'
    return shell_commands(blocks[0])


def with_tiny(args):
    if '--cfg-options' in args:
        i = args.index('--cfg-options') + 1
        return args[:i] + TINY + args[i:]
    return args + ['--cfg-options', *TINY]


def test_mri_commands_run_as_written(mri_root, tmp_path, monkeypatch):
    commands = mri_commands()
    tools = [c[1] for c in commands]
    assert tools.count('tools/train.py') == 4 and 'tools/analysis/draw_mri.py' in tools
    clone = tmp_path / 'clone'
    (clone / 'data').mkdir(parents=True)
    for name in ('configs', 'tools'):
        os.symlink(osp.join(ROOT, name), clone / name)
    os.symlink(mri_root, clone / 'data' / 'mri_t1')
    monkeypatch.chdir(clone)
    for argv in commands:
        assert argv[0] == 'python', argv
        if argv[1] == 'tools/train.py':
            train_tool.run(with_tiny(argv[2:]))
        elif argv[1] == 'tools/test.py':
            test_tool.run(with_tiny(argv[2:]))
        else:
            monkeypatch.setattr(sys, 'argv', argv[1:])
            runpy.run_path(argv[1], run_name='__main__')
    work = clone / 'work_dirs'
    assert (work / 'sft-kd-recon_d5c5_d3c5_4x_mri-t1' / 'sft_student_final.pth').is_file()
    assert (work / 'imitation-at-sft_d5c5_d3c5_4x_mri-t1' / 'student_final.pth').is_file()
    assert open(work / 'mri_slice.png', 'rb').read(4) == b'\x89PNG'

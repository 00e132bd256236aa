"""The `configs/` tree of the configs guide (docs/en/user_guides/configs.md) names every
folder under configs/, and nothing else."""
import os
import os.path as osp
import shutil
import subprocess

import pytest
from doc_blocks import ROOT, docs_blocks

pytestmark = pytest.mark.docs


def documented_tree() -> set:
    """Paths of the docs' ``configs/`` block, from its two-space indentation."""
    blocks = [b for b in docs_blocks() if b.text.startswith('configs/\n')]
    assert len(blocks) == 1, 'the docs have one code block that starts with configs/'
    paths, stack = set(), []
    for line in blocks[0].text.splitlines():
        indent = (len(line) - len(line.lstrip(' '))) // 2
        name = line.split()[0]
        stack[indent:] = [name.rstrip('/')]
        paths.add('/'.join(stack) + ('/' if name.endswith('/') else ''))
    return paths


def folders_on_disk() -> set:
    found = set()
    for dirpath, dirnames, _ in os.walk(osp.join(ROOT, 'configs')):
        dirnames[:] = [d for d in dirnames if d != '__pycache__']
        found.add(osp.relpath(dirpath, ROOT) + '/')
    return found


def test_documented_tree_lists_every_config_folder():
    tree = documented_tree()
    folders = {p for p in tree if p.endswith('/')}
    assert folders_on_disk() - folders == set(), 'folders missing from the documented tree'
    assert folders - folders_on_disk() == set(), 'documented folders that do not exist'
    files = tree - folders
    assert {f for f in files if not osp.isfile(osp.join(ROOT, f))} == set()


def test_every_config_is_tracked_by_git():
    if not shutil.which('git') or not osp.isdir(osp.join(ROOT, '.git')) and \
            not osp.isfile(osp.join(ROOT, '.git')):
        pytest.skip('not a git checkout')
    ignored = subprocess.run(['git', 'ls-files', '--others', '--ignored', '--exclude-standard',
                              'configs'], cwd=ROOT, capture_output=True, text=True, check=True)
    assert [p for p in ignored.stdout.split() if p.endswith('.py')] == []

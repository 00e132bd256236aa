"""No script or module puts the repository on ``sys.path``: the commands, benchmarks,
studies and tests import the installed sfkd (and the benchmarks run as
``python -m benchmarks`` from the repository root). The one insertion kept is the
console scripts' working directory, for a project's ``custom_imports``, as
``python -m`` does; the tests' conftest adds their helper modules (tests/helpers)."""
import ast
import glob
import os.path as osp

import pytest
from sfkd_testing import ROOT

pytestmark = pytest.mark.unit

# file -> why it may change sys.path
ALLOWED = {
    'sfkd/tools/_config.py': "the console scripts add the working directory (custom_imports)",
    'tests/conftest.py': "the tests' helper modules, tests/helpers",
}
SCANNED = ('sfkd', 'tools', 'benchmarks', 'projects', 'tests')


def path_changes(source: str) -> list:
    """Line numbers of ``sys.path.insert/append/extend(...)``, ``sys.path[...] = ...``,
    ``sys.path = ...`` and ``site.addsitedir(...)`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if (owner == 'sys.path' and node.func.attr in ('insert', 'append', 'extend')) or \
                    (owner == 'site' and node.func.attr == 'addsitedir'):
                found.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(ast.unparse(t).startswith('sys.path') for t in targets):
                found.append(node.lineno)
    return sorted(found)


def test_the_checker_finds_each_way_of_changing_the_path():
    source = ('import sys, site\nsys.path.insert(0, "..")\nsys.path.append("x")\n'
              'sys.path += ["y"]\nsys.path[:0] = ["z"]\nsite.addsitedir("w")\n'
              'print(sys.path)\n')
    assert path_changes(source) == [2, 3, 4, 5, 6]


def test_no_python_file_changes_sys_path_but_the_two_allowed():
    files = sorted(p for folder in SCANNED
                   for p in glob.glob(osp.join(ROOT, folder, '**', '*.py'), recursive=True))
    assert len(files) > 100
    changed = {osp.relpath(p, ROOT): lines for p in files
               if (lines := path_changes(open(p, encoding='utf-8').read()))}
    assert set(changed) <= set(ALLOWED), {k: v for k, v in changed.items() if k not in ALLOWED}
    # the conftest adds the helpers folder alone
    conftest = open(osp.join(ROOT, 'tests', 'conftest.py')).read()
    assert len(changed.get('tests/conftest.py', [])) == 1
    assert 'sys.path.insert(0, HELPERS)' in conftest


def test_no_shell_script_puts_the_repository_on_pythonpath():
    scripts = glob.glob(osp.join(ROOT, 'tools', '**', '*.sh'), recursive=True)
    assert scripts
    for path in scripts:
        for n, line in enumerate(open(path), 1):
            code = line.split('#', 1)[0]
            assert 'PYTHONPATH=' not in code, f'{osp.relpath(path, ROOT)}:{n}: {line.strip()}'

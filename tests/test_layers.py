"""sfkd's sub-packages import only downward (the table in tests/helpers/import_layers.py),
and the checker finds an upward import wherever it is written."""
import os.path as osp
import textwrap

import pytest
from import_layers import LAYERS, check_package, imports_of, modules_in, problem
from sfkd_testing import ROOT

pytestmark = pytest.mark.unit

PACKAGE_DIR = osp.join(ROOT, 'sfkd')


def test_sfkd_imports_only_downward():
    broken, _ = check_package(PACKAGE_DIR)
    assert broken == [], 'imports against the layers (tests/helpers/import_layers.py):\n' + \
        '\n'.join(broken)


def test_every_exception_still_matches_an_import():
    _, stale = check_package(PACKAGE_DIR)
    assert stale == [], (f'{stale}: no import matches these entries of BY_DESIGN / '
                         'KNOWN_VIOLATIONS any more; delete them')


def test_every_sub_package_has_a_layer():
    subs = {'.'.join(m.split('.')[:2]) for m in modules_in(PACKAGE_DIR)} - {'sfkd'}
    placed = {s for layer in LAYERS for s in layer}
    assert subs - placed == set(), 'add these to LAYERS in tests/helpers/import_layers.py'


def make_package(tmp_path, files: dict) -> str:
    """A package ``sfkd`` under ``tmp_path`` with ``files`` ({relative path: source}) and an
    empty ``__init__.py`` in each sub-package of the table."""
    root = tmp_path / 'sfkd'
    for layer in LAYERS:
        for sub in layer:
            name = sub.split('.')[1]
            if name in ('registry', 'version'):
                (root / f'{name}.py').parent.mkdir(parents=True, exist_ok=True)
                (root / f'{name}.py').touch()
            else:
                (root / name).mkdir(parents=True, exist_ok=True)
                (root / name / '__init__.py').touch()
    (root / '__init__.py').touch()
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return str(root)


@pytest.mark.parametrize('source, imported, why', [
    # a lazy import inside a function
    ("""
     def load(path):
         from sfkd.engine.runner import SfkdRunner
         return SfkdRunner
     """, 'sfkd.engine.runner', 'upward: sfkd.models (layer 2) imports sfkd.engine (layer 3)'),
    # a relative import, three levels up
    ('from ...engine import runner\n', 'sfkd.engine.runner',
     'upward: sfkd.models (layer 2) imports sfkd.engine (layer 3)'),
    # a plain import under TYPE_CHECKING
    ("""
     from typing import TYPE_CHECKING
     if TYPE_CHECKING:
         import sfkd.apis.inference
     """, 'sfkd.apis.inference', 'upward: sfkd.models (layer 2) imports sfkd.apis (layer 4)'),
    # importlib with a constant name
    ("import importlib\nimportlib.import_module('sfkd.tools._config')\n", 'sfkd.tools._config',
     'upward: sfkd.models (layer 2) imports sfkd.tools (layer 5)'),
    # a peer of the same layer
    ('from sfkd.datasets import fashion_mnist\n', 'sfkd.datasets.fashion_mnist',
     'sfkd.models and sfkd.datasets are peers (layer 2); move what they share down a layer'),
    # the package root
    ('import sfkd\n', 'sfkd', 'imports the package root sfkd; import the sub-module it needs'),
])
def test_an_upward_import_is_reported(tmp_path, source, imported, why):
    root = make_package(tmp_path, {
        'engine/runner.py': '', 'apis/inference.py': '', 'tools/_config.py': '',
        'datasets/fashion_mnist.py': '', 'models/algorithms/__init__.py': '',
        'models/algorithms/bad.py': source})
    broken, _ = check_package(root)
    path = osp.join(root, 'models', 'algorithms', 'bad.py')
    assert len(broken) == 1, broken
    assert broken[0].startswith(f'{path}:')
    assert broken[0].endswith(f': sfkd.models.algorithms.bad imports {imported}: {why}')


def test_downward_and_own_imports_pass(tmp_path):
    root = make_package(tmp_path, {
        'structures/layout.py': '',
        'utils/io.py': 'from sfkd.structures.layout import X\nfrom .errors import E\n',
        'utils/errors.py': '',
        'models/net.py': 'from sfkd.utils import io\nfrom . import blocks\nimport sfkd.registry\n',
        'models/blocks.py': '',
        'engine/hook.py': 'def f():\n    from sfkd.models.net import Net\n',
        'tools/train.py': 'from sfkd.engine.hook import f\nfrom sfkd.apis import x\n',
        'apis/x.py': 'from sfkd.engine import hook\n',
        '__init__.py': 'from .utils import io\nfrom .version import v\n',
    })
    assert check_package(root)[0] == []


def test_the_root_may_not_import_the_upper_layers(tmp_path):
    root = make_package(tmp_path, {'__init__.py': 'from .engine import atomic_write\n',
                                   'engine/atomic_write.py': ''})
    broken, _ = check_package(root)
    assert broken == [f"{osp.join(root, '__init__.py')}:1: sfkd imports sfkd.engine.atomic_write: "
                      'sfkd/__init__.py imports sfkd.engine (layer 3); `import sfkd` may import '
                      'layers 0-1 only']


def test_a_new_sub_package_must_be_placed(tmp_path):
    root = make_package(tmp_path, {'plugins/__init__.py': 'from sfkd.utils import io\n',
                                   'utils/io.py': ''})
    broken, _ = check_package(root)
    assert len(broken) == 1
    assert broken[0].endswith('sfkd.plugins imports sfkd.utils.io: sfkd.plugins is in no layer '
                              'of the table (tests/helpers/import_layers.py)')


def test_from_package_import_module_names_the_module():
    known = {'sfkd.tools', 'sfkd.tools.train'}
    found = list(imports_of('from sfkd.tools import train, DictAction\n', 'sfkd.apis.pipeline',
                            'pipeline.py', False, known))
    assert [i.imported for i in found] == ['sfkd.tools.train', 'sfkd.tools']
    assert problem(found[0]) == 'upward: sfkd.apis (layer 4) imports sfkd.tools (layer 5)'


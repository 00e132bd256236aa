"""sfkd's layers: which of its sub-packages may import which, checked on the source.

The layers, lowest first. A module may import its own sub-package and any
sub-package of a lower layer; never a higher layer, nor another sub-package of
its own layer (those are peers: what two of them share goes down a layer, as
``sfkd.structures.SLOT_KEY`` between the data sets and the models):

=====  ==================================================  ===================================
layer  sub-packages                                        what they hold
=====  ==================================================  ===================================
0      ``sfkd.structures``, ``sfkd.registry``,             shared constants and data types
       ``sfkd.version``                                    (state-dict layouts, the cache-slot
                                                           key); the registries; the version.
                                                           They import no sfkd module.
1      ``sfkd.utils``                                      errors, option checks, checkpoint
                                                           reading, safe loading, config
                                                           loading, digit rendering
2      ``sfkd.datasets``, ``sfkd.evaluation``,             data sets, metrics (and their
       ``sfkd.models``                                     measures, e.g. calibration), models
3      ``sfkd.engine``                                     runner, loops, hooks, teacher cache
4      ``sfkd.apis``                                       the Python API, pipeline, tasks
5      ``sfkd.tools``                                      the commands (``sfkd-train``, ...)
=====  ==================================================  ===================================

The package itself (``sfkd/__init__.py``) may import layers 0 and 1 only, so
that ``import sfkd`` stays light; no module imports the package root.

Every import statement counts: at module level, inside a function (a lazy
import), under ``if TYPE_CHECKING``, absolute or relative, and
``importlib.import_module('sfkd....')`` with a constant name. The checker reads
the files with :mod:`ast` and imports nothing. Two lists name the imports that
break the rules: :data:`BY_DESIGN` (kept, with the reason) and
:data:`KNOWN_VIOLATIONS` (to be removed; an entry that no import matches any
more is reported, so that it is removed too).
"""
import ast
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

PACKAGE = 'sfkd'

#: the sub-packages of each layer, lowest first
LAYERS: Tuple[Tuple[str, ...], ...] = (
    ('sfkd.structures', 'sfkd.registry', 'sfkd.version'),
    ('sfkd.utils', ),
    ('sfkd.datasets', 'sfkd.evaluation', 'sfkd.models'),
    ('sfkd.engine', ),
    ('sfkd.apis', ),
    ('sfkd.tools', ),
)
#: the highest layer ``sfkd/__init__.py`` may import
ROOT_MAY_IMPORT_UP_TO = 1

_REGISTER_ALL = ('register_all_modules imports every sub-package that registers something, '
                 'inside the function (OpenMMLab convention: '
                 'mmpretrain.utils.register_all_modules)')
#: ``(importer, imported module)`` pairs that break the table on purpose, with the reason
BY_DESIGN: Dict[Tuple[str, str], str] = {
    ('sfkd.utils.setup_env', 'sfkd.datasets.dense'): _REGISTER_ALL,
    ('sfkd.utils.setup_env', 'sfkd.engine'): _REGISTER_ALL,
    ('sfkd.utils.setup_env', 'sfkd.evaluation'): _REGISTER_ALL,
    ('sfkd.utils.setup_env', 'sfkd.models'): _REGISTER_ALL,
}
#: ``(importer, imported module)`` pairs that break the table and are to be removed
KNOWN_VIOLATIONS: Dict[Tuple[str, str], str] = {
}


@dataclass(frozen=True)
class Import:
    """One import of an sfkd module by an sfkd module."""

    importer: str
    imported: str
    path: str
    line: int


def rank(sub_package: str) -> Optional[int]:
    """The layer of ``sub_package`` (``'sfkd.models'``), or None if the table lacks it."""
    for layer, members in enumerate(LAYERS):
        if sub_package in members:
            return layer
    return None


def sub_package(module: str) -> str:
    """``'sfkd.models'`` for ``'sfkd.models.algorithms.distiller'``; ``'sfkd'`` for the root."""
    return '.'.join(module.split('.')[:2])


def modules_in(package_dir: str) -> Dict[str, str]:
    """``{module name: file}`` of every module under ``package_dir`` (hidden folders, such
    as the shipped configs in ``.mim``, left out)."""
    top = osp.basename(osp.normpath(package_dir))
    found = {}
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(('.', '__pycache__')))
        rel = osp.relpath(folder, package_dir)
        parts = [top] + ([] if rel == '.' else rel.split(os.sep))
        for name in sorted(files):
            if name.endswith('.py'):
                stem = name[:-3]
                found['.'.join(parts if stem == '__init__' else parts + [stem])] = \
                    osp.join(folder, name)
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a (possibly relative) ``from ... import`` names."""
    if not node.level:
        return node.module or ''
    base = module.split('.')
    if not is_package:
        base = base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return '.'.join(base + ([node.module] if node.module else []))


def imports_of(source: str, module: str, path: str, is_package: bool,
               known: Set[str]) -> Iterator[Import]:
    """The sfkd modules that ``source`` (module ``module``) imports, anywhere in it.

    ``from a import b`` imports ``a.b`` when that is a module in ``known``, else ``a``.
    """
    for node in ast.walk(ast.parse(source, filename=path)):
        targets: List[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            targets = [f'{base}.{a.name}' if f'{base}.{a.name}' in known else base
                       for a in node.names]
        elif isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == 'import_module')
                    or (isinstance(node.func, ast.Name)
                        and node.func.id in ('import_module', '__import__'))):
            targets = [node.args[0].value]
        for target in targets:
            if target == PACKAGE or target.startswith(f'{PACKAGE}.'):
                yield Import(module, target, path, node.lineno)


def problem(imp: Import) -> Optional[str]:
    """Why ``imp`` breaks the layer table, or None if it may be made."""
    own, other = sub_package(imp.importer), sub_package(imp.imported)
    if own == other and own != PACKAGE:
        return None
    if other == PACKAGE:
        return 'imports the package root sfkd; import the sub-module it needs'
    if rank(other) is None:
        return f'{other} is in no layer of the table (tests/helpers/import_layers.py)'
    if own == PACKAGE:
        if rank(other) <= ROOT_MAY_IMPORT_UP_TO:
            return None
        return (f'sfkd/__init__.py imports {other} (layer {rank(other)}); `import sfkd` may '
                f'import layers 0-{ROOT_MAY_IMPORT_UP_TO} only')
    if rank(own) is None:
        return f'{own} is in no layer of the table (tests/helpers/import_layers.py)'
    if rank(other) < rank(own):
        return None
    if rank(other) == rank(own):
        return (f'{own} and {other} are peers (layer {rank(own)}); move what they share '
                'down a layer')
    return f'upward: {own} (layer {rank(own)}) imports {other} (layer {rank(other)})'


def check_package(package_dir: str) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The imports under ``package_dir`` that break the table (one line each, ``file:line:
    importer imports imported: why``), and the entries of :data:`KNOWN_VIOLATIONS` and
    :data:`BY_DESIGN` that no import matches any more."""
    modules = modules_in(package_dir)
    known = set(modules)
    broken, excused = set(), set()
    for module, path in modules.items():
        with open(path, encoding='utf-8') as f:
            source = f.read()
        for imp in imports_of(source, module, path, path.endswith('__init__.py'), known):
            why = problem(imp)
            if why is None:
                continue
            pair = (imp.importer, imp.imported)
            if pair in BY_DESIGN or pair in KNOWN_VIOLATIONS:
                excused.add(pair)
                continue
            broken.add((imp.path, imp.line,
                        f'{imp.path}:{imp.line}: {imp.importer} imports {imp.imported}: {why}'))
    stale = sorted(p for p in {**BY_DESIGN, **KNOWN_VIOLATIONS} if p not in excused)
    return [line for _, _, line in sorted(broken)], stale

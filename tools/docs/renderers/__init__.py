"""The documentation's renderers: one module per kind of data.

A module here defines ``RENDERERS = {kind: function}`` (each function takes the block's
arguments as strings and returns Markdown) and may define ``substitutions()``, the
``{{ name }}`` numbers its data gives to the docs' prose.
"""
import importlib
import os.path as osp
import pkgutil
from typing import Callable, Dict

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(osp.dirname(HERE)))


def _modules():
    for info in sorted(pkgutil.iter_modules([HERE]), key=lambda i: i.name):
        yield importlib.import_module(f'{__name__}.{info.name}')


def all_renderers() -> Dict[str, Callable]:
    found: Dict[str, Callable] = {}
    for module in _modules():
        for kind, fn in getattr(module, 'RENDERERS', {}).items():
            if kind in found:
                raise RuntimeError(f'renderer kind {kind!r} is defined twice ({module.__name__})')
            found[kind] = fn
    return found


def all_substitutions() -> Dict[str, str]:
    found: Dict[str, str] = {}
    for module in _modules():
        fn = getattr(module, 'substitutions', None)
        for name, value in (fn() if fn else {}).items():
            if name in found:
                raise RuntimeError(f'number {name!r} is defined twice ({module.__name__})')
            found[name] = str(value)
    return found

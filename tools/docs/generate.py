"""Generate the documentation's tables and numbers from the project's data.

Every block of a Markdown page (``README.md`` and ``docs/en/**/*.md``) between

    <!-- generated: KIND ARG... -->
    ...
    <!-- end generated -->

is written by the renderer ``KIND`` from the data it names: a study's folder under
``results/``, a method's ``configs/<method>/metafile.yml``, the bad-input catalogue of
``docs/en/_data/``. The renderers live in ``tools/docs/renderers/`` (a module per kind of
data, each with a ``RENDERERS`` dict of ``kind -> function(*args) -> str``); a module may
also define ``substitutions() -> dict``: the numbers that prose quotes as
``{{ name }}`` (MyST substitutions, filled in when the docs are built).

Usage::

    python tools/docs/generate.py            # rewrite the blocks that are out of date
    python tools/docs/generate.py --check    # exit 1 and name every block that is stale
"""
import argparse
import glob
import importlib.util
import os.path as osp
import re
import sys
from types import ModuleType
from typing import Callable, Dict, List, Tuple

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
#: the name tools/docs/renderers is imported under (by its path, sys.path unchanged)
RENDERERS_PACKAGE = 'sfkd_docs_renderers'


def renderers_package() -> ModuleType:
    """tools/docs/renderers, imported once by its path."""
    if RENDERERS_PACKAGE not in sys.modules:
        folder = osp.join(HERE, 'renderers')
        spec = importlib.util.spec_from_file_location(
            RENDERERS_PACKAGE, osp.join(folder, '__init__.py'),
            submodule_search_locations=[folder])
        package = importlib.util.module_from_spec(spec)
        sys.modules[RENDERERS_PACKAGE] = package
        spec.loader.exec_module(package)
    return sys.modules[RENDERERS_PACKAGE]


def all_renderers() -> Dict[str, Callable]:
    return renderers_package().all_renderers()


def all_substitutions() -> Dict[str, str]:
    return renderers_package().all_substitutions()

BLOCK = re.compile(
    r'(?P<open><!-- generated: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(?P<close><!-- end generated -->)',
    re.S)
SUBSTITUTION = re.compile(r'{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}')


def pages() -> List[str]:
    """The Markdown pages that may hold generated blocks."""
    docs = sorted(glob.glob(osp.join(ROOT, 'docs', 'en', '**', '*.md'), recursive=True))
    return [osp.join(ROOT, 'README.md')] + [p for p in docs if '/_build/' not in p]


def render_page(text: str, renderers: Dict[str, Callable], where: str) -> Tuple[str, List[str]]:
    """The page with every generated block rendered again, and the specs that changed."""
    changed = []

    def one(m: 're.Match') -> str:
        kind, *args = m.group('spec').split()
        if kind not in renderers:
            raise SystemExit(f'{where}: no renderer for generated block {kind!r}; '
                             f'known kinds: {", ".join(sorted(renderers))}')
        body = renderers[kind](*args).rstrip('\n') + '\n'
        if body != m.group('body'):
            changed.append(m.group('spec'))
        return m.group('open') + body + m.group('close')

    return BLOCK.sub(one, text), changed


def undefined_substitutions(text: str, known: Dict[str, str]) -> List[str]:
    """The ``{{ name }}`` a page quotes that no renderer defines (code blocks skipped)."""
    prose = re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)
    return sorted({n for n in SUBSTITUTION.findall(prose) if n not in known})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='change nothing; exit 1 if a generated block is out of date')
    args = parser.parse_args(argv)
    renderers, known = all_renderers(), all_substitutions()
    stale, missing = [], []
    for path in pages():
        rel = osp.relpath(path, ROOT)
        text = open(path).read()
        new, changed = render_page(text, renderers, rel)
        stale += [f'{rel}: {spec}' for spec in changed]
        if not rel.startswith('README'):
            missing += [f'{rel}: {{{{ {n} }}}}' for n in undefined_substitutions(text, known)]
        if changed and not args.check:
            with open(path, 'w') as f:
                f.write(new)
    for line in missing:
        print(f'undefined number: {line}', file=sys.stderr)
    if args.check and stale:
        print('out of date (run python tools/docs/generate.py):', file=sys.stderr)
        for line in stale:
            print(f'  {line}', file=sys.stderr)
    elif stale:
        print(f'rewrote {len(stale)} generated block(s):\n  ' + '\n  '.join(stale))
    return 1 if missing or (args.check and stale) else 0


if __name__ == '__main__':
    sys.exit(main())

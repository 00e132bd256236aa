"""Build the documentation site offline, with warnings as errors.

Usage::

    python tools/docs/build.py [OUT_DIR]     # default: docs/en/_build/html

The generated blocks are checked first (``generate.py --check``): a stale table stops
the build. Every Sphinx warning is an error, and all of them are reported at once.
"""
import argparse
import importlib.util
import io
import os
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
DOCS = osp.join(ROOT, 'docs', 'en')


def _generate():
    """tools/docs/generate.py, imported by its path once (docs/en/conf.py reuses it)."""
    name = 'sfkd_docs_generate'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, osp.join(HERE, 'generate.py'))
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def build(out: str) -> str:
    """Build the HTML into ``out``; return the warnings ('' when there are none)."""
    from sphinx.application import Sphinx
    os.environ.setdefault('SFKD_FORMAT_CONFIG', '0')
    warnings = io.StringIO()
    app = Sphinx(DOCS, DOCS, out, osp.join(out, '.doctrees'), 'html', status=None,
                 warning=warnings, warningiserror=True, keep_going=True)
    app.build()
    text = warnings.getvalue()
    if app.statuscode and not text:
        text = f'sphinx ended with status {app.statuscode}'
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out', nargs='?', default=osp.join(DOCS, '_build', 'html'),
                        help='output folder (default: docs/en/_build/html)')
    args = parser.parse_args(argv)
    if _generate().main(['--check']):
        return 1
    warnings = build(osp.abspath(args.out))
    if warnings:
        print(f'the docs build warned (each warning is an error):\n{warnings}', file=sys.stderr)
        return 1
    print(f'docs built: {osp.join(args.out, "index.html")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

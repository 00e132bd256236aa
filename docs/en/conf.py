"""Sphinx configuration of sfkd's documentation (MyST Markdown pages).

Build it offline, with warnings as errors: ``bash tools/build_docs.sh``.
"""
import importlib.util
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
os.environ.setdefault('SFKD_FORMAT_CONFIG', '0')

from sfkd.version import __version__  # noqa: E402


def _generate():
    """tools/docs/generate.py, imported by its path (once: tools/docs/build.py, which
    checks the generated blocks before building, has loaded it under the same name)."""
    name = 'sfkd_docs_generate'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, osp.join(ROOT, 'tools', 'docs', 'generate.py'))
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


project = 'sfkd'
author = 'sfkd contributors'
copyright = 'sfkd contributors'
version = release = __version__

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
]
source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build']
myst_enable_extensions = ['colon_fence', 'deflist', 'substitution']
myst_heading_anchors = 4
# the numbers that prose quotes as {{ name }}, from the stored results (tools/docs/renderers)
myst_substitutions = _generate().all_substitutions()
# every page is reached from a toctree; a page left out is a warning (an error here)
suppress_warnings = []

autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
autodoc_default_options = {'members': True, 'show-inheritance': True}
# the heavy optional stacks are imported by the modules documented here; they are
# installed with sfkd, so nothing is mocked
napoleon_google_docstring = True

# quotes and dashes stay as written (config keys and commands are quoted in prose)
smartquotes = False
# a fence without a language (a tree, a table of output) is shown as written
highlight_language = 'none'

html_theme = 'furo'
html_title = f'sfkd {version}'
html_show_sourcelink = False

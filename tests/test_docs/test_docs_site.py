"""The documentation site builds offline with no warnings (tools/build_docs.sh's
build), its pages hold the generated tables, and every link between its pages (and
every image) resolves."""
import glob
import os.path as osp
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag

import pytest
from sfkd_testing import ROOT, docs_build, docs_generate

pytestmark = pytest.mark.docs

DOCS = osp.join(ROOT, 'docs', 'en')
generate = docs_generate()


class Page(HTMLParser):
    """The ids, links, images and visible text of one built HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images, self.text = set(), [], [], []
        self.cells = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if 'id' in attrs:
            self.ids.add(attrs['id'])
        if tag == 'a' and attrs.get('href'):
            self.links.append(attrs['href'])
        if tag == 'img' and attrs.get('src'):
            self.images.append(attrs['src'])
        if tag in ('td', 'th'):
            self._in_cell, self._cell = True, []

    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self._in_cell:
            self.cells.append(' '.join(''.join(self._cell).split()))
            self._in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_cell:
            self._cell.append(data)


def build_site(out) -> tuple:
    """The HTML site, built with warnings as errors: (folder, {page: Page})."""
    # tools/build_docs.sh's build, in this process: sfkd's modules (autodoc imports
    # them) load once per worker
    warnings = docs_build().build(str(out))
    assert not warnings, f'the docs build failed or warned:\n{warnings[-6000:]}'
    pages = {}
    for path in glob.glob(osp.join(out, '**', '*.html'), recursive=True):
        page = Page()
        page.feed(open(path, encoding='utf-8').read())
        pages[osp.relpath(path, out)] = page
    return str(out), pages


def test_the_generated_blocks_are_up_to_date():
    assert generate.main(['--check']) == 0, 'run python tools/docs/generate.py'


def check_every_page_is_built(site):
    _, pages = site
    sources = [osp.relpath(p, DOCS)[:-3] + '.html'
               for p in glob.glob(osp.join(DOCS, '**', '*.md'), recursive=True)
               if '_build' not in p]
    assert sources and set(sources) <= set(pages), set(sources) - set(pages)


def check_every_internal_link_and_image_resolves(site):
    out, pages = site
    broken = []
    for rel, page in pages.items():
        if rel.startswith(('_modules', 'genindex', 'search', 'py-modindex')):
            continue
        here = osp.dirname(rel)
        for href in page.links + page.images:
            if re.match(r'^[a-z][a-z0-9+.-]*:', href):  # http:, mailto:, ...
                continue
            target, fragment = urldefrag(href)
            target_rel = osp.normpath(osp.join(here, unquote(target))) if target else rel
            if target_rel not in pages:
                if not osp.isfile(osp.join(out, target_rel)):
                    broken.append(f'{rel}: {href} (no such file)')
                continue
            if fragment and fragment not in pages[target_rel].ids:
                broken.append(f'{rel}: {href} (no anchor {fragment!r})')
    assert not broken, 'broken links:\n' + '\n'.join(broken)


def plain(cell: str) -> str:
    """A Markdown table cell as the HTML shows it: code spans literal (CommonMark: a run of
    n backticks opens and closes one, one padding space stripped), no emphasis or link
    targets outside them."""
    cell = cell.replace('\\|', '|')
    spans = []

    def literal(m):
        text = m.group(2)
        if text.startswith(' ') and text.endswith(' ') and text.strip():
            text = text[1:-1]
        spans.append(text)
        return f'\0{len(spans) - 1}\0'

    cell = re.sub(r'(`+)(.+?)(?<!`)\1(?!`)', literal, cell)
    cell = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', cell)
    cell = re.sub(r'(\*\*|\*)', '', cell)
    cell = re.sub(r'\0(\d+)\0', lambda m: spans[int(m.group(1))], cell)
    return ' '.join(cell.split())


def check_built_pages_hold_the_generated_tables(site):
    _, pages = site
    renderers = generate.all_renderers()
    checked = 0
    for path in generate.pages():
        rel = osp.relpath(path, DOCS)
        if rel.startswith('..'):
            continue  # README.md: not part of the site
        text = open(path).read()
        for m in generate.BLOCK.finditer(text):
            kind, *args = m.group('spec').split()
            rendered = renderers[kind](*args)
            rows = [ln for ln in rendered.splitlines()
                    if ln.startswith('|') and not set(ln) <= set('|-: ')]
            html_cells = set(pages[rel[:-3] + '.html'].cells)
            for row in rows:
                for cell in re.split(r'(?<!\\)\|', row.strip())[1:-1]:
                    cell = plain(cell)
                    if cell and '$' not in cell:
                        assert cell in html_cells, f'{rel} [{kind}]: cell {cell!r} not in the HTML'
                        checked += 1
    assert checked > 0, 'no generated table was found in the docs'


def test_the_site_builds_with_its_pages_links_and_tables(tmp_path):
    """One build (the slow part), then each check of the built site."""
    site = build_site(tmp_path / 'html')
    check_every_page_is_built(site)
    check_every_internal_link_and_image_resolves(site)
    check_built_pages_hold_the_generated_tables(site)


def test_the_link_check_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    def page(html):
        p = Page()
        p.feed(html)
        return p

    good = {'index.html': page('<h1 id="top">x</h1><a href="guide.html#run">g</a>'),
            'guide.html': page('<h2 id="run">run</h2><a href="index.html">back</a>')}
    check_every_internal_link_and_image_resolves((str(tmp_path), good))
    for bad_link, why in (('guide.html#nope', "no anchor 'nope'"), ('gone.html', 'no such file')):
        bad = dict(good, **{'index.html': page(f'<a href="{bad_link}">x</a>')})
        with pytest.raises(AssertionError, match=why):
            check_every_internal_link_and_image_resolves((str(tmp_path), bad))

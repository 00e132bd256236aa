"""Read the fenced code blocks of the documentation, so that tests run what it shows.

The documentation is ``README.md`` and every page under ``docs/en/`` (``docs/en/_build``
left out). A test picks the blocks it runs by page, heading and language: the commands
and snippets, never the prose around them.
"""
import glob
import os.path as osp
import re
import shlex
from typing import Iterable, List, NamedTuple, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
README = 'README.md'
DOCS = 'docs/en'


class Block(NamedTuple):
    lang: str        # the word after the opening fence ('' for none)
    text: str        # the lines between the fences
    heading: str     # the closest markdown heading above the block, on its page
    page: str        # the page, as a path from the repository root ('docs/en/get_started.md')


def docs_pages() -> List[str]:
    """The pages under ``docs/en/``, as paths from the repository root, sorted."""
    found = glob.glob(osp.join(ROOT, DOCS, '**', '*.md'), recursive=True)
    rel = [osp.relpath(p, ROOT) for p in found]
    return sorted(p for p in rel if not p.startswith(f'{DOCS}/_build/'))


def pages() -> List[str]:
    """Every page of the documentation: the ``docs/en`` pages, then the README."""
    return docs_pages() + [README]


def page_text(page: str) -> str:
    with open(osp.join(ROOT, page)) as f:
        return f.read()


def blocks_of(text: str, page: str = '') -> List[Block]:
    """The fenced code blocks of one page's text, in order."""
    blocks, heading, fence, lang, lines = [], '', None, '', []
    for line in text.splitlines():
        if fence is None:
            opening = re.match(r'(`{3,}|~{3,})(.*)$', line)
            if opening:
                fence, lang, lines = opening.group(1), opening.group(2).strip(), []
            elif line.startswith('#'):
                heading = line.lstrip('#').strip()
        elif line.startswith(fence) and not line[len(fence):].strip():
            blocks.append(Block(lang, '\n'.join(lines), heading, page))
            fence = None
        else:
            lines.append(line)
    return blocks


def code_blocks(where: Optional[Iterable[str]] = None) -> List[Block]:
    """Every fenced code block of the given pages (default: all of them), in order."""
    found = []
    for page in (pages() if where is None else where):
        found += blocks_of(page_text(page), page)
    return found


def docs_blocks() -> List[Block]:
    """The code blocks of the ``docs/en`` pages only."""
    return code_blocks(docs_pages())


def shell_commands(block: Block) -> List[List[str]]:
    """The commands of a shell block: continuations joined, comments dropped, split."""
    joined = re.sub(r'\\\n\s*', ' ', block.text)
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            commands.append(shlex.split(line, comments=True))
    return commands

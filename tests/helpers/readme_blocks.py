"""Read the README's code blocks and commands, so that tests run what it says."""
import os.path as osp
import re
import shlex
from typing import List, NamedTuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
README = osp.join(ROOT, 'README.md')


class Block(NamedTuple):
    lang: str        # the word after the opening fence ('' for none)
    text: str        # the lines between the fences
    heading: str     # the closest markdown heading above the block


def readme_text() -> str:
    with open(README) as f:
        return f.read()


def code_blocks(text: str = None) -> List[Block]:
    """Every fenced code block of the README, in order."""
    blocks, heading, lang, lines = [], '', None, []
    for line in (text if text is not None else readme_text()).splitlines():
        if lang is None:
            if line.startswith('#'):
                heading = line.lstrip('#').strip()
            elif line.startswith('```'):
                lang, lines = line[3:].strip(), []
        elif line.startswith('```'):
            blocks.append(Block(lang, '\n'.join(lines), heading))
            lang = None
        else:
            lines.append(line)
    return blocks


def shell_commands(block: Block) -> List[List[str]]:
    """The commands of a shell block: continuations joined, comments dropped, split."""
    joined = re.sub(r'\\\n\s*', ' ', block.text)
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            commands.append(shlex.split(line, comments=True))
    return commands

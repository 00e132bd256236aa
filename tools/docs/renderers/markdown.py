"""Markdown building blocks shared by the renderers (no data of their own)."""
import os.path as osp
from typing import List, Sequence

from . import ROOT


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; cells are written with ``str``."""
    lines = ['| ' + ' | '.join(map(str, header)) + ' |',
             '| ' + ' | '.join('---' for _ in header) + ' |']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def read(rel: str) -> str:
    """The text of a file of the repository, by its path from the root."""
    path = osp.join(ROOT, rel)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{rel}: the data file a generated block names does not exist')
    with open(path) as f:
        return f.read()


def lines_of(rel: str) -> List[str]:
    return read(rel).splitlines()


RENDERERS = {}

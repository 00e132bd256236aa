"""The bad-input catalogue (``docs/en/_data/bad_inputs.yml``) as a Markdown table.

Each record of the data file is a row: ``input`` (Markdown), ``message`` (what sfkd
prints, ``...`` for a part that varies) and ``outcome`` (``error``, the default; ``log``
or ``warning`` for an input that sfkd accepts and reports in the run's log).
"""
import re
from typing import Dict, List

import yaml

from .markdown import read, table

OUTCOMES = {'error': '', 'log': '(log, and the run goes on) ',
            'warning': '(log warning, and the run goes on) '}
FIELDS = {'input', 'message', 'outcome'}


def records(rel: str) -> List[Dict[str, str]]:
    """The records of a catalogue file, checked: one per input, known outcomes only."""
    data = yaml.safe_load(read(rel))
    if not isinstance(data, list):
        raise ValueError(f'{rel}: expected a list of records, got {type(data).__name__}')
    seen = set()
    for n, record in enumerate(data):
        where = f'{rel}: record {n + 1}'
        if not isinstance(record, dict) or not {'input', 'message'} <= set(record):
            raise ValueError(f'{where}: needs an input and a message, got {record!r}')
        if set(record) - FIELDS:
            raise ValueError(f'{where}: unknown fields {sorted(set(record) - FIELDS)}')
        if record.get('outcome', 'error') not in OUTCOMES:
            raise ValueError(f'{where}: outcome must be one of {sorted(OUTCOMES)}, '
                             f'got {record["outcome"]!r}')
        if record['input'] in seen:
            raise ValueError(f'{where}: input {record["input"]!r} is listed twice')
        seen.add(record['input'])
    return data


def code(text: str) -> str:
    """``text`` as an inline code span of a table cell, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r'`+', text)), default=0)
    fence = '`' * (longest + 1)
    pad = ' ' if text.startswith('`') or text.endswith('`') else ''
    return f'{fence}{pad}{text}{pad}{fence}'.replace('|', '\\|')


def bad_inputs(rel: str = 'docs/en/_data/bad_inputs.yml') -> str:
    rows = [(r['input'].replace('|', '\\|'),
             OUTCOMES[r.get('outcome', 'error')] + code(r['message']))
            for r in records(rel)]
    return table(['bad input', 'what sfkd says (`...`: a path or a size that varies)'], rows)


RENDERERS = {'bad-inputs': bad_inputs}

"""Where each stored result came from: the index of ``results/``.

Every folder under ``results/`` that holds files is one study and has a
``provenance.json`` (written by :func:`sfkd.utils.provenance.write_provenance` when the
study ran, or reconstructed later from the stored files and the git history; the latter
carry a ``reconstructed`` key saying how, and an ``unrecorded`` key saying what could not
be recovered). A folder whose files come from several commands lists the others under
``parts``, each a record of its own naming its ``files``.

Block::

    <!-- generated: results-index results -->
"""
import json
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

from . import ROOT
from .markdown import table

COMMAND_RUN = 3  # a longer run of arguments is shortened in the table (provenance.json has it)
NOT_RECORDED = 'not recorded'


def study_folders(results: str = 'results', root: str = ROOT) -> List[str]:
    """Every folder under ``results`` (path from ``root``) that holds files, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(osp.join(root, results)):
        dirnames.sort()
        if any(not name.startswith('.') for name in filenames):
            found.append(osp.relpath(dirpath, root).replace(os.sep, '/'))
    return sorted(found)


def load(folder: str, root: str = ROOT) -> dict:
    """The ``provenance.json`` of a study folder (path from ``root``)."""
    path = osp.join(root, folder, 'provenance.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{folder}/provenance.json: every results folder needs one')
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def records(results: str = 'results', root: str = ROOT) -> Iterator[Tuple[str, dict, bool]]:
    """``(folder, record, several)`` for every record of every study folder: the folder's
    own, then its ``parts``; ``several`` when the folder has more than one."""
    for folder in study_folders(results, root):
        top = load(folder, root)
        parts = [top] + list(top.get('parts', ()))
        for record in parts:
            yield folder, record, len(parts) > 1


def _code(text: str) -> str:
    return '`' + text.replace('|', '\\|') + '`'


def short_command(command: str, longest_run: int = COMMAND_RUN) -> str:
    """``command`` with each run of more than ``longest_run`` arguments in a row (a list
    of checkpoints, of ``--cfg-options``) written as its first, ``…`` and its count."""
    out: List[str] = []
    run: List[str] = []

    def flush():
        if len(run) > longest_run:
            out.extend([run[0], f'… ({len(run)} in all)'])
        else:
            out.extend(run)
        run.clear()

    for word in command.split(' '):
        if word.startswith('-') or word == '&&' or not out or out[-1] in ('python', '&&'):
            flush()
            out.append(word)
        else:
            run.append(word)
    flush()
    return ' '.join(out)


def _commit(record: dict) -> str:
    code = record['code']
    text = _code(code['commit'][:7]) if code.get('commit') else NOT_RECORDED
    runs = []
    for state in record.get('runs_trained_at') or ():
        if state != code:
            runs.append(_code(state['commit'][:7]) + (' (dirty)' if state.get('dirty') else ''))
    return text + ('; runs trained at ' + ', '.join(runs) if runs else '')


def _dirty(record: dict) -> str:
    dirty = record['code'].get('dirty')
    return NOT_RECORDED if dirty is None else ('yes' if dirty else 'no')


def _one_machine(m) -> str:
    if isinstance(m, str):
        return m
    parts = [m.get('cpu') or m.get('arch') or 'CPU not named']
    if m.get('cores') is not None:
        parts.append(f"{m['cores']} cores")
    if 'gpu' in m:
        parts.append(m['gpu'] or 'no GPU')
    if m.get('torch_threads') is not None:
        n = m['torch_threads']
        parts.append(f"{n} torch thread{'s' if n != 1 else ''}")
    return ', '.join(parts)


def _machine(record: dict) -> str:
    m = record.get('machine')
    if m is None:
        return NOT_RECORDED
    return '; '.join(_one_machine(x) for x in m) if isinstance(m, list) else _one_machine(m)


def _wall(record: dict) -> str:
    minutes = record.get('wall_minutes')
    return NOT_RECORDED if minutes is None else f'{minutes:g} min'


def _seeds(record: dict) -> str:
    seeds: Optional[list] = record.get('seeds')
    text = NOT_RECORDED if seeds is None else ', '.join(map(str, seeds)) or 'none'
    teachers = record.get('teacher_seeds')
    if teachers:
        text += f" (teachers: {', '.join(map(str, teachers))})"
    return text


def results_index(results: str = 'results', root: str = ROOT) -> str:
    """One row per record of every study folder under ``results``."""
    rows = []
    for folder, record, several in records(results, root):
        where = _code(folder + '/')
        if several:
            where += ': ' + ', '.join(_code(f) for f in record['files'])
        rows.append([where, _code(short_command(record['command'])), _commit(record),
                     _dirty(record), record['date'][:10], _machine(record), _wall(record),
                     _seeds(record),
                     'reconstructed' if 'reconstructed' in record else 'at run time'])
    return table(['folder', 'command', 'commit', 'dirty tree', 'date', 'machine',
                  'training time', 'seeds', 'record'], rows)


RENDERERS = {'results-index': results_index}

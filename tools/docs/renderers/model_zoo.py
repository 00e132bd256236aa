"""The model zoo, the list of supported methods and the papers page, from the metafiles.

Each method folder ``configs/<method>/`` has a ``metafile.yml``:

- ``Collections``: one per method (a folder may hold two, e.g. a method and the model it
  trains). ``Name``; ``Paper`` with ``Title``, ``Venue``, ``Year``, ``URL`` and ``BibTeX``
  (the key of its entry in ``docs/en/_data/papers.bib``); ``Category`` (a key of
  ``CATEGORIES``); ``Components``, the names sfkd registers for it (``Options``, free
  text, for a method that is an option of other components); ``README``.
- ``Models``: one per config file of the folder. ``Name``, ``In Collection``, ``Config``
  (its path from the repository root), ``Task``, ``Dataset``, ``Teacher`` and ``Student``
  (``null`` where there is none), ``Trains`` (``teacher`` or ``student``), ``Device``
  (``CPU`` or ``GPU``) and optional ``Results``: published reference numbers, each with
  ``Metric``, ``Value`` (a quoted string, so that its digits are kept), an optional
  ``Student alone``, a ``Source`` (where the number was read) and an optional ``Note``.

Kinds: ``model-zoo`` (docs/en/model_zoo.md), ``methods-list`` (the README's supported
methods, at most ``METHODS_LIST_MAX_LINES`` lines) and ``papers [other]``
(docs/en/papers.md: the papers of the methods by category, or the entries of
``papers.bib`` that no metafile names).
"""
import glob
import os.path as osp
import re
from typing import Dict, List, Optional

import yaml

from . import ROOT
from .markdown import table

METAFILES = 'configs/*/metafile.yml'
BIB = 'docs/en/_data/papers.bib'
METHODS_LIST_MAX_LINES = 45

#: category key -> (heading, short label), in the order the pages show them
CATEGORIES = {
    'teacher': ('Training the teacher for its student', 'teacher training'),
    'logits': ('Distilling logits', 'logits'),
    'features': ('Distilling features and their relations', 'features'),
    'dense': ('Distilling detectors and segmentors', 'dense outputs'),
    'model': ('Models and tasks', 'model'),
}
#: task -> (section heading, short label), in the order the pages show them
TASKS = {
    'image classification': ('Image classification', 'classification'),
    'object detection': ('Object detection', 'detection'),
    'semantic segmentation': ('Semantic segmentation', 'segmentation'),
    'MRI reconstruction': ('MRI reconstruction', 'MRI'),
}
TRAINS = ('teacher', 'student')
DEVICES = ('CPU', 'GPU')

COLLECTION_KEYS = {'Name', 'Paper', 'Category', 'Components', 'README'}
COLLECTION_OPTIONAL = {'Options'}
PAPER_KEYS = {'Title', 'Venue', 'Year', 'URL', 'BibTeX'}
MODEL_KEYS = {'Name', 'In Collection', 'Config', 'Task', 'Dataset', 'Teacher', 'Student',
              'Trains', 'Device'}
MODEL_OPTIONAL = {'Results'}
RESULT_KEYS = {'Metric', 'Value', 'Source'}
RESULT_OPTIONAL = {'Student alone', 'Note'}


class MetafileError(ValueError):
    """A metafile or the papers file does not hold what the model zoo needs."""


def _fields(record, required: set, optional: set, where: str) -> dict:
    if not isinstance(record, dict):
        raise MetafileError(f'{where}: expected a mapping, got {record!r}')
    missing, unknown = required - set(record), set(record) - required - optional
    if missing:
        raise MetafileError(f'{where}: missing {", ".join(sorted(missing))}')
    if unknown:
        raise MetafileError(f'{where}: unknown field(s) {", ".join(sorted(unknown))}; '
                            f'known: {", ".join(sorted(required | optional))}')
    return record


def _text(value, where: str, null: bool = False) -> Optional[str]:
    if value is None and null:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MetafileError(f'{where}: expected text, got {value!r}'
                            + (' (quote a number so that its digits are kept)'
                               if isinstance(value, (int, float)) else ''))
    return value


def _one_of(value, choices, where: str) -> str:
    if value not in choices:
        raise MetafileError(f'{where}: {value!r} is not one of {", ".join(choices)}')
    return value


def _collection(record, rel: str) -> dict:
    where = f'{rel}: collection {record.get("Name", "?") if isinstance(record, dict) else "?"}'
    _fields(record, COLLECTION_KEYS, COLLECTION_OPTIONAL, where)
    _text(record['Name'], f'{where}: Name')
    paper = _fields(record['Paper'], PAPER_KEYS, set(), f'{where}: Paper')
    for key in ('Title', 'Venue', 'URL', 'BibTeX'):
        _text(paper[key], f'{where}: Paper.{key}')
    if not isinstance(paper['Year'], int):
        raise MetafileError(f'{where}: Paper.Year must be a year, got {paper["Year"]!r}')
    _one_of(record['Category'], tuple(CATEGORIES), f'{where}: Category')
    if not isinstance(record['Components'], list):
        raise MetafileError(f'{where}: Components must be a list of registered names')
    for name in record['Components']:
        _text(name, f'{where}: Components')
    for option in record.get('Options', []):
        _text(option, f'{where}: Options')
    if not record['Components'] and not record.get('Options'):
        raise MetafileError(f'{where}: name its Components (or the Options it adds)')
    _text(record['README'], f'{where}: README')
    return record


def _model(record, rel: str, folder: str, names: set) -> dict:
    where = f'{rel}: model {record.get("Name", "?") if isinstance(record, dict) else "?"}'
    _fields(record, MODEL_KEYS, MODEL_OPTIONAL, where)
    for key in ('Name', 'Config', 'Dataset'):
        _text(record[key], f'{where}: {key}')
    if record['In Collection'] not in names:
        raise MetafileError(f'{where}: In Collection {record["In Collection"]!r} is not a '
                            f'collection of this file ({", ".join(sorted(names))})')
    if not record['Config'].startswith(f'configs/{folder}/'):
        raise MetafileError(f'{where}: Config {record["Config"]!r} is not in configs/{folder}/')
    _one_of(record['Task'], tuple(TASKS), f'{where}: Task')
    _one_of(record['Trains'], TRAINS, f'{where}: Trains')
    _one_of(record['Device'], DEVICES, f'{where}: Device')
    _text(record['Teacher'], f'{where}: Teacher', null=True)
    _text(record['Student'], f'{where}: Student', null=True)
    if record['Teacher'] is None and record['Student'] is None:
        raise MetafileError(f'{where}: a model needs a Teacher or a Student')
    results = record.get('Results', [])
    if not isinstance(results, list):
        raise MetafileError(f'{where}: Results must be a list')
    for n, result in enumerate(results):
        at = f'{where}: result {n + 1}'
        _fields(result, RESULT_KEYS, RESULT_OPTIONAL, at)
        for key in ('Metric', 'Value', 'Source'):
            _text(result[key], f'{at}: {key}')
        for key in RESULT_OPTIONAL & set(result):
            _text(result[key], f'{at}: {key}')
    return record


def load(root: str = ROOT) -> List[dict]:
    """Every collection of every metafile, each with its ``folder`` and its ``models``,
    checked; in the order of the folders' names."""
    collections = []
    for path in sorted(glob.glob(osp.join(root, METAFILES))):
        rel = osp.relpath(path, root)
        folder = osp.basename(osp.dirname(path))
        with open(path) as f:
            data = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        _fields(data, {'Collections', 'Models'}, set(), rel)
        if not data['Collections'] or not isinstance(data['Collections'], list):
            raise MetafileError(f'{rel}: Collections must list at least one method')
        own = [dict(_collection(c, rel), folder=folder, models=[])
               for c in data['Collections']]
        by_name = {c['Name']: c for c in own}
        if len(by_name) != len(own):
            raise MetafileError(f'{rel}: two collections have the same Name')
        seen = set()
        for record in data['Models'] or []:
            model = _model(record, rel, folder, set(by_name))
            if model['Config'] in seen:
                raise MetafileError(f'{rel}: {model["Config"]} is listed twice')
            seen.add(model['Config'])
            by_name[model['In Collection']]['models'].append(model)
        collections += own
    if not collections:
        raise MetafileError(f'no metafile matches {METAFILES}')
    return collections


BIB_ENTRY = re.compile(r'^@(?P<kind>\w+)\{(?P<key>[^,\s]+),\n(?P<body>.*?)\n\}', re.M | re.S)
BIB_FIELD = re.compile(r'^\s*(?P<name>\w+)\s*=\s*\{(?P<value>.*)\},?\s*$')


def bib_entries(root: str = ROOT) -> Dict[str, dict]:
    """The entries of ``papers.bib`` by key: ``kind``, ``fields`` and ``text`` (the entry
    as written), in the file's order. Lines outside an entry are comments."""
    with open(osp.join(root, BIB)) as f:
        source = f.read()
    entries: Dict[str, dict] = {}
    for m in BIB_ENTRY.finditer(source):
        key = m.group('key')
        if key in entries:
            raise MetafileError(f'{BIB}: {key} is defined twice')
        fields = {}
        for line in m.group('body').splitlines():
            field = BIB_FIELD.match(line)
            if not field:
                raise MetafileError(f'{BIB}: {key}: write one field a line, '
                                    f'name = {{value}}: {line.strip()!r}')
            fields[field.group('name').lower()] = field.group('value')
        entries[key] = dict(kind=m.group('kind'), fields=fields, text=m.group(0))
    return entries


def _order(collections: List[dict]) -> List[dict]:
    """Category, then year, then name."""
    rank = {c: n for n, c in enumerate(CATEGORIES)}
    return sorted(collections, key=lambda c: (rank[c['Category']], c['Paper']['Year'],
                                              c['Name'].lower()))


def _paper_link(c: dict) -> str:
    paper = c['Paper']
    return f'[{paper["Title"]}]({paper["URL"]}), {paper["Venue"]} {paper["Year"]}'


def _what(c: dict) -> str:
    parts = [f'`{n}`' for n in c['Components']] + list(c.get('Options', []))
    return ', '.join(parts)


def _pair(model: dict) -> str:
    """``teacher → student``, or the one model a config has."""
    teacher, student = model['Teacher'], model['Student']
    return f'{teacher} → {student}' if teacher and student else teacher or student


def _cell(text: str) -> str:
    return text.replace('|', '\\|')


def _reference(model: dict, sources: Dict[str, int]) -> str:
    """The model's reference numbers, each followed by the number of its source."""
    values = []
    for r in model.get('Results', []):
        value = f'{r["Metric"]} {r["Value"]}'
        if 'Student alone' in r:
            value += f' (student alone {r["Student alone"]})'
        if 'Note' in r:
            value += f'; {r["Note"]}'
        values.append(f'{value} [{sources.setdefault(r["Source"], len(sources) + 1)}]')
    return _cell('; '.join(values)) if values else 'none quoted'


def model_zoo() -> str:
    """Every method by category (its paper, components and README), then one table per
    task and data set of its configs with their reference numbers, then the numbered
    sources of those numbers."""
    collections = _order(load())
    out = ['### Methods']
    for category, (heading, _) in CATEGORIES.items():
        group = [c for c in collections if c['Category'] == category]
        if group:
            out += ['', f'**{heading}**', '']
            out += [f'- **{c["Name"]}**: {_paper_link(c)}. In sfkd: {_what(c)}; '
                    f'README: `{c["README"]}`.' for c in group]
    sources: Dict[str, int] = {}
    for task, (heading, _) in TASKS.items():
        models = [(c, m) for c in collections for m in c['models'] if m['Task'] == task]
        sets = sorted({(m['Device'] != 'GPU', m['Dataset'], m['Device']) for _, m in models})
        for _, dataset, device in sets:
            rows, last = [], None
            for c, model in models:
                if model['Dataset'] != dataset or model['Device'] != device:
                    continue
                rows.append([c['Name'] if c is not last else '',
                             f'`{model["Config"][len("configs/"):]}`', _cell(_pair(model)),
                             model['Trains'], _reference(model, sources)])
                last = c
            out += ['', f'### {heading}: {dataset} ({device})', '',
                    table(['method', 'config', 'teacher → student', 'trains',
                           'reference [source]'], rows)]
    out += ['', '### Sources of the reference numbers', '']
    out += [f'{n}. {source}' for source, n in sources.items()]
    return '\n'.join(out)


def methods_list() -> str:
    """One row per distillation method: its paper, what it distils, its tasks."""
    rows = []
    for c in _order(load()):
        if c['Category'] == 'model':
            continue
        tasks = [label for task, (_, label) in TASKS.items()
                 if any(m['Task'] == task for m in c['models'])]
        rows.append([f'[{c["Name"]}]({c["README"]})', _paper_link(c),
                     CATEGORIES[c['Category']][1], ', '.join(tasks)])
    text = table(['method', 'paper', 'kind', 'tasks'], rows)
    lines = len(text.splitlines())
    if lines > METHODS_LIST_MAX_LINES:
        raise MetafileError(f'the methods list has {lines} lines, more than the README allows '
                            f'({METHODS_LIST_MAX_LINES}); make it more compact')
    return text


def papers(which: str = 'methods') -> str:
    """``methods``: by category, the methods with their BibTeX keys and components, then
    their entries; ``other``: the entries of papers.bib that no metafile names."""
    entries = bib_entries()
    collections = _order(load())
    for c in collections:
        if c['Paper']['BibTeX'] not in entries:
            raise MetafileError(f'configs/{c["folder"]}/metafile.yml: {c["Name"]}\'s BibTeX key '
                                f'{c["Paper"]["BibTeX"]!r} is not in {BIB}')
    if which == 'other':
        named = {c['Paper']['BibTeX'] for c in collections}
        keys = [k for k in entries if k not in named]
        return _bibtex(entries, keys) if keys else 'Every entry is a method\'s paper.'
    if which != 'methods':
        raise MetafileError(f'papers takes methods or other, got {which!r}')
    out = []
    for category, (heading, _) in CATEGORIES.items():
        group = [c for c in collections if c['Category'] == category]
        if not group:
            continue
        out += [f'## {heading}', '']
        out += [f'- {c["Name"]}: `{c["Paper"]["BibTeX"]}` ({_what(c)})' for c in group]
        out += ['', _bibtex(entries, list(dict.fromkeys(c['Paper']['BibTeX'] for c in group))),
                '']
    return '\n'.join(out)


def _bibtex(entries: Dict[str, dict], keys: List[str]) -> str:
    return '```bibtex\n' + '\n\n'.join(entries[k]['text'] for k in keys) + '\n```'


RENDERERS = {'model-zoo': model_zoo, 'methods-list': methods_list, 'papers': papers}

"""Every distill loss sfkd registers belongs to a method whose paper is in the papers file,
every method folder's metafile lists exactly the folder's configs, and the model-zoo
renderer shows what the metafiles hold.

The data: ``configs/<method>/metafile.yml`` (one per method folder) and
``docs/en/_data/papers.bib``; the renderer: ``tools/docs/renderers/model_zoo.py``.
"""
import glob
import inspect
import os
import os.path as osp
import re

import pytest
import yaml
from mmengine.registry import Registry
from sfkd_testing import ROOT, docs_renderer

import sfkd.models.losses as losses
import sfkd.registry as registries
from sfkd.utils import register_all_modules

pytestmark = pytest.mark.docs

model_zoo = docs_renderer('model_zoo')

CONFIGS = osp.join(ROOT, 'configs')
BIB = osp.join(ROOT, 'docs', 'en', '_data', 'papers.bib')
# folders of configs/ that are not methods: shared bases and models trained alone
NOT_METHODS = ('_base_', 'baseline')
# losses that apply another loss (per level, ...) and have no paper of their own
WRAPPERS = ('PerLevelLoss', 'MultiLevelLoss')
# base classes of a family of losses (not losses themselves)
BASES = (losses.DistillLoss, losses.AdversarialLoss)
# distill losses that no shipped config uses, hence in no method folder: their papers
WITHOUT_CONFIGS = {'ABLoss': 'heo2019ab', 'FTLoss': 'kim2018ft', 'OFDLoss': 'heo2019ofd'}


def method_folders():
    return sorted(d for d in os.listdir(CONFIGS)
                  if osp.isdir(osp.join(CONFIGS, d)) and d not in NOT_METHODS
                  and not d.startswith(('.', '__')))


def metafile(folder: str) -> dict:
    with open(osp.join(CONFIGS, folder, 'metafile.yml')) as f:
        return yaml.safe_load(f)


def all_collections():
    return [(folder, c) for folder in method_folders()
            for c in metafile(folder)['Collections']]


def bib() -> dict:
    """key -> (kind, {field: value}) of every entry of the papers file."""
    text = open(BIB).read()
    entries = {}
    for kind, key, body in re.findall(r'^@(\w+)\{([^,\s]+),\n(.*?)\n\}', text, re.M | re.S):
        assert key not in entries, f'{key} is in {BIB} twice'
        entries[key] = (kind, dict(re.findall(r'^\s*(\w+)\s*=\s*\{(.*)\},?$', body, re.M)))
    return entries


def distill_losses():
    """The distill losses sfkd ships (a class another test registers from its own
    project's module is not one)."""
    register_all_modules()
    return sorted(name for name, cls in registries.MODELS.module_dict.items()
                  if inspect.isclass(cls) and issubclass(cls, losses.DistillLoss)
                  and cls.__module__.startswith('sfkd.')
                  and cls not in BASES and name not in WRAPPERS)


def test_every_method_folder_has_a_metafile_and_a_readme():
    folders = method_folders()
    assert len(folders) >= 30 and 'kd' in folders and 'mri' in folders
    for folder in folders:
        for name in ('metafile.yml', 'README.md'):
            assert osp.isfile(osp.join(CONFIGS, folder, name)), f'configs/{folder}/{name}'


def test_every_config_of_a_method_folder_is_in_its_metafile():
    for folder in method_folders():
        listed = [m['Config'] for m in metafile(folder)['Models']]
        assert len(listed) == len(set(listed)), f'configs/{folder}: a config is listed twice'
        on_disk = {f'configs/{folder}/{osp.basename(p)}'
                   for p in glob.glob(osp.join(CONFIGS, folder, '*.py'))}
        assert set(listed) - on_disk == set(), f'configs/{folder}: listed but not there'
        assert on_disk - set(listed) == set(), \
            f'configs/{folder}/metafile.yml does not list these configs'


def test_every_distill_loss_is_a_methods_component_with_its_paper():
    names = distill_losses()
    assert len(names) >= 25 and 'KDLoss' in names
    papers = bib()
    owner = {}
    for folder, c in all_collections():
        for component in c['Components']:
            owner.setdefault(component, []).append((folder, c['Paper']['BibTeX']))
    for name in names:
        if name in WITHOUT_CONFIGS:
            assert WITHOUT_CONFIGS[name] in papers, name
            assert name not in owner, f'{name} has a method folder now: drop it from the list'
            continue
        assert name in owner, f'{name}: no metafile names it among its Components'
        for folder, key in owner[name]:
            assert key in papers, f'configs/{folder}: {key} is not in {BIB}'


def test_losses_without_a_method_folder_are_used_by_no_config():
    used = set()
    for path in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True):
        used |= set(re.findall(r"type=['\"](\w+)['\"]", open(path).read()))
    assert set(WITHOUT_CONFIGS) & used == set(), \
        'a config uses this loss: give it a method folder with a metafile'


def test_every_component_is_registered():
    register_all_modules()
    known = set()
    for value in vars(registries).values():
        if isinstance(value, Registry):
            value.import_from_location()
            known |= set(value.module_dict)
    for folder, c in all_collections():
        unknown = set(c['Components']) - known
        assert unknown == set(), f'configs/{folder}: {sorted(unknown)} are not registered'


def test_every_paper_is_a_complete_entry_and_matches_its_metafile():
    papers = bib()
    assert len(papers) >= 36
    for key, (kind, fields) in papers.items():
        assert kind in ('inproceedings', 'article'), key
        assert {'title', 'author', 'year'} <= set(fields), key
        assert {'booktitle', 'journal'} & set(fields), key
    for folder, c in all_collections():
        paper = c['Paper']
        _, fields = papers[paper['BibTeX']]
        title = re.sub(r'[{}\\]', '', fields['title'])
        assert (title, int(fields['year'])) == (paper['Title'], paper['Year']), folder
        assert paper['URL'].startswith('https://'), folder


def rows_of(markdown: str) -> dict:
    """config (``<folder>/<file>.py``) -> the cells of its row, from the model-zoo tables."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip('|').split(' | ')]
        if line.startswith('|') and len(cells) > 2 and cells[1].startswith('`'):
            rows[cells[1].strip('`')] = cells
    return rows


def test_the_model_zoo_shows_a_metafile():
    data = metafile('kd')
    text = model_zoo.model_zoo()
    sources = dict(re.findall(r'^(\d+)\. (.+)$', text, re.M))
    rows = rows_of(text)
    quoted = 0
    for model in data['Models']:
        config = model['Config'][len('configs/'):]
        assert config in rows, config
        _, _, pair, trains, reference = rows[config]
        assert model['Student'] in pair and model['Trains'] == trains, config
        for result in model.get('Results', []):
            quoted += 1
            shown = re.search(rf'{re.escape(result["Metric"])} {re.escape(result["Value"])}'
                              r'([^[]*)\[(\d+)\]', reference)
            assert shown, config
            if 'Student alone' in result:
                assert f'student alone {result["Student alone"]}' in shown.group(1), config
            assert sources[shown.group(2)] == result['Source'], config
        if not model.get('Results'):
            assert reference == 'none quoted', config
    assert quoted >= 8
    paper = data['Collections'][0]['Paper']
    assert f'[{paper["Title"]}]({paper["URL"]})' in text


def test_the_methods_list_fits_the_readme():
    text = model_zoo.methods_list()
    assert len(text.splitlines()) <= 45
    methods = [c['Name'] for _, c in all_collections() if c['Category'] != 'model']
    for name in methods:
        assert len(re.findall(rf'^\| \[{re.escape(name)}\]\(configs/', text, re.M)) == 1, name
    assert len(text.splitlines()) == len(methods) + 2


def test_the_papers_page_shows_every_entry_once():
    text = model_zoo.papers('methods') + model_zoo.papers('other')
    for key in bib():
        assert len(re.findall(rf'^@\w+\{{{key},$', text, re.M)) == 1, key
    assert '%' not in text


def write_metafile(root, result: str):
    folder = root / 'configs' / 'm'
    folder.mkdir(parents=True)
    (folder / 'm_a_b_cifar100.py').write_text('')
    (folder / 'metafile.yml').write_text(f"""\
Collections:
  - Name: M
    Paper: {{Title: T, Venue: V, Year: 2020, URL: 'https://example.org', BibTeX: k}}
    Category: logits
    Components: [KDLoss]
    README: configs/m/README.md
Models:
  - Name: m_a_b_cifar100
    In Collection: M
    Config: configs/m/m_a_b_cifar100.py
    Task: image classification
    Dataset: CIFAR-100
    Teacher: A
    Student: B
    Trains: student
    Device: GPU
    Results:
{result}
""")


@pytest.mark.parametrize('result, message', [
    ("      - {Metric: top-1, Value: '73.50'}", 'missing Source'),
    ("      - {Metric: top-1, Value: 73.50, Source: a paper}", 'quote a number'),
    ("      - {Metric: top-1, Value: '73.50', Source: a paper, Seeds: 3}", 'unknown field'),
])
def test_a_metafile_that_lacks_what_the_zoo_shows_is_refused(tmp_path, result, message):
    write_metafile(tmp_path, result)
    with pytest.raises(model_zoo.MetafileError, match=message):
        model_zoo.load(str(tmp_path))

"""The stored results under ``results/``: every study folder says where it came from
(``provenance.json``: a command that exists, commits in the history), and the stored
files agree with each other and name no folder of the machine that wrote them."""
import ast
import csv
import functools
import json
import os
import os.path as osp
import re
import shlex
import shutil
import statistics
import subprocess
from typing import Dict, Iterator, List, Set, Tuple

import pytest
from sfkd_testing import ROOT, docs_renderer

pytestmark = pytest.mark.docs

RESULTS = osp.join(ROOT, 'results')
RECORD = 'provenance.json'


def _libraries() -> Tuple[str, ...]:
    """sfkd.utils.provenance.LIBRARIES, read from its source (importing sfkd imports torch)."""
    tree = ast.parse(open(osp.join(ROOT, 'sfkd', 'utils', 'provenance.py')).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'LIBRARIES':
            return ast.literal_eval(node.value)
    raise AssertionError('sfkd/utils/provenance.py defines no LIBRARIES')


KEYS = ('command', 'date', 'code', 'runs_trained_at', 'versions', 'machine', 'wall_minutes',
        'runs', 'seeds')


def study_folders() -> List[str]:
    """Every folder under results/ that holds files (a study), relative to results/."""
    found = []
    for dirpath, dirnames, filenames in os.walk(RESULTS):
        dirnames.sort()
        if any(not f.startswith('.') for f in filenames):
            found.append(osp.relpath(dirpath, RESULTS))
    return sorted(found)


def data_files(folder: str) -> List[str]:
    return sorted(f for f in os.listdir(osp.join(RESULTS, folder))
                  if osp.isfile(osp.join(RESULTS, folder, f)) and f != RECORD
                  and not f.startswith('.'))


def records() -> Iterator[Tuple[str, dict, List[str]]]:
    """(folder, record, the files it covers) for the folder's record and its parts."""
    for folder in study_folders():
        top = json.load(open(osp.join(RESULTS, folder, RECORD)))
        for record in [top] + list(top.get('parts', ())):
            yield folder, record, record.get('files', data_files(folder))


def test_results_has_study_folders():
    # what the other tests walk over: the stored studies, with and without sub-folders
    assert len(study_folders()) >= 10
    assert any('/' in f for f in study_folders())


@pytest.mark.parametrize('folder', study_folders())
def test_every_study_folder_has_a_complete_record(folder):
    path = osp.join(RESULTS, folder, RECORD)
    assert osp.isfile(path), f'results/{folder} has no {RECORD}'
    top = json.load(open(path))
    for record in [top] + list(top.get('parts', ())):
        missing = [k for k in KEYS if k not in record]
        assert not missing, (folder, missing)
        assert set(record['code']) >= {'commit', 'dirty'}, folder
        assert set(record['versions']) >= set(_libraries()), folder
        assert record['command'].startswith('python '), (folder, record['command'])
        assert re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', record['date']), folder
        assert record['seeds'] is None or all(isinstance(s, int) for s in record['seeds'])


def test_the_records_of_a_folder_cover_each_of_its_files_once():
    for folder in study_folders():
        covered: List[str] = []
        top = json.load(open(osp.join(RESULTS, folder, RECORD)))
        parts = top.get('parts', [])
        for record in [top] + parts:
            if parts:
                assert 'files' in record, f'results/{folder}: a record of several names files'
            covered += record.get('files', data_files(folder))
        assert sorted(covered) == data_files(folder), folder


def test_reconstructed_records_say_how_and_why_a_value_is_missing():
    """A record rebuilt after its run says so, claims no clean tree, and explains each
    value it could not recover; a run-time record has its code state."""
    for folder, record, _ in records():
        if 'reconstructed' not in record:
            assert record['code']['commit'] and record['code']['dirty'] in (True, False), folder
            continue
        assert record['reconstructed'].strip(), folder
        assert record['code']['dirty'] is None, folder
        missing = [k for k in ('machine', 'wall_minutes', 'runs', 'seeds', 'runs_trained_at')
                   if record[k] is None] + ['dirty']
        unexplained = [k for k in missing if not record.get('unrecorded', {}).get(k)]
        assert not unexplained, (folder, unexplained)
        stored = record['stored']
        assert stored['added'] == stored['history'][0], folder
        assert stored['last_changed'] == stored['history'][-1], folder


def test_a_record_names_the_command_its_stored_reports_name():
    """The command of a record is the one its own Markdown report ('Command: `...`') or
    JSON file ('command') names."""
    checked = 0
    for folder, record, files in records():
        for name in files:
            path = osp.join(RESULTS, folder, name)
            stored = None
            if name.endswith('.md'):
                m = re.search(r'^Command: `([^`]+)`', open(path).read(), re.M)
                stored = m and m.group(1)
            elif name.endswith('.json'):
                try:
                    data = json.load(open(path))
                except json.JSONDecodeError:  # JSON lines (a run's scalars)
                    continue
                stored = data.get('command') if isinstance(data, dict) else None
            if stored:
                assert stored == record['command'], (folder, name)
                checked += 1
    assert checked >= 20


# ------------------------------------------------------------------ commits
def _history() -> Set[str]:
    """The commits reachable from HEAD; the test skips where that cannot be known."""
    if not (osp.isdir(osp.join(ROOT, '.git')) or osp.isfile(osp.join(ROOT, '.git'))):
        pytest.skip('this copy of the repository has no .git (an installed or unpacked copy): '
                    'the recorded commits cannot be looked up')
    if shutil.which('git') is None:
        pytest.skip('git is not installed: the recorded commits cannot be looked up')

    def git(*args):
        return subprocess.run(['git', '-C', ROOT, *args], capture_output=True, text=True,
                              timeout=60)
    if git('rev-parse', '--is-shallow-repository').stdout.strip() == 'true':
        pytest.skip('a shallow clone: older recorded commits are not in it')
    done = git('rev-list', 'HEAD')
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def _commits(record: dict) -> List[str]:
    found = [record['code']['commit']]
    found += [s['commit'] for s in record.get('runs_trained_at') or ()]
    stored = record.get('stored', {})
    found += [stored[k] for k in ('added', 'last_changed', 'numbers') if k in stored]
    found += stored.get('history', [])
    return [c for c in found if c]


def test_every_recorded_commit_is_in_the_history():
    history = _history()
    for folder, record, _ in records():
        for commit in _commits(record):
            assert re.fullmatch(r'[0-9a-f]{7,40}', commit), (folder, commit)
            matches = [c for c in history if c.startswith(commit)]
            assert len(matches) == 1, f'results/{folder}: commit {commit} is not in the history'


# ------------------------------------------------------------------ commands
@functools.lru_cache(maxsize=None)
def _parsed(path: str) -> ast.Module:
    return ast.parse(open(path).read())


def _defined_options(path: str) -> Set[str]:
    """The ``--option`` strings a script's ``add_argument`` calls define."""
    found = set()
    for node in ast.walk(_parsed(path)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == 'add_argument'):
            found |= {a.value for a in node.args
                      if isinstance(a, ast.Constant) and str(a.value).startswith('--')}
    return found


def _wrapped(path: str) -> str:
    """The module a thin script runs (``from sfkd.tools.train import main``), if its own
    source defines no options."""
    for node in _parsed(path).body:
        if isinstance(node, ast.ImportFrom) and node.module and \
                any(a.name == 'main' for a in node.names):
            module = osp.join(ROOT, *node.module.split('.')) + '.py'
            if osp.isfile(module):
                return module
    return path


def script_of(words: List[str]) -> Tuple[str, List[str]]:
    """The source file a ``python ...`` command runs, and the arguments it gets."""
    assert words[0] == 'python', words
    if words[1] == '-m':
        package = osp.join(ROOT, *words[2].split('.'))
        if len(words) > 3 and osp.isfile(osp.join(package, words[3] + '.py')):
            return osp.join(package, words[3] + '.py'), words[4:]
        return osp.join(package, '__main__.py'), words[3:]
    return osp.join(ROOT, words[1]), words[2:]


def commands() -> Iterator[Tuple[str, List[str]]]:
    for folder, record, _ in records():
        for part in record['command'].split('&&'):
            yield folder, shlex.split(part)


def test_every_command_runs_a_script_of_the_repository_with_options_it_defines():
    checked = set()
    for folder, words in commands():
        path, args = script_of(words)
        assert osp.isfile(path), f'results/{folder}: {osp.relpath(path, ROOT)} does not exist'
        options = {a.split('=', 1)[0] for a in args if a.startswith('--')}
        source = path if _defined_options(path) else _wrapped(path)
        unknown = options - _defined_options(source)
        assert not unknown, f'results/{folder}: {osp.relpath(source, ROOT)} defines no {unknown}'
        checked.add(osp.relpath(source, ROOT))
    assert len(checked) >= 8, checked


def test_the_option_check_finds_an_unknown_option():
    path, args = script_of(shlex.split('python tools/run_pipeline.py --scale full --no-such'))
    assert path.endswith('tools/run_pipeline.py') and args[-1] == '--no-such'
    assert '--scale' in _defined_options(path) and '--no-such' not in _defined_options(path)
    path, _ = script_of(shlex.split('python tools/train.py CFG'))
    assert '--cfg-options' in _defined_options(_wrapped(path))
    path, args = script_of(shlex.split('python -m benchmarks steps --iters 2'))
    assert path.endswith(osp.join('benchmarks', 'steps.py')) and args == ['--iters', '2']


# ------------------------------------------------------------------ the index page
def test_the_results_index_has_a_row_per_record():
    results_index = docs_renderer('provenance').results_index
    rows = results_index().splitlines()[2:]
    every = list(records())
    assert len(rows) == len(every)
    for row, (folder, record, _) in zip(rows, every):
        assert row.startswith(f'| `results/{folder}/`'), row
        assert f"`{record['code']['commit'][:7]}`" in row, row


# ------------------------------------------------------------------ the data files
def test_stored_results_name_no_machine_folder():
    for dirpath, _, files in os.walk(RESULTS):
        for name in files:
            if name.endswith(('.md', '.csv', '.json', '.log')):
                text = open(osp.join(dirpath, name)).read()
                found = re.findall(r'(?<![\w.])/(?:work|home|tmp|root)/\S+', text)
                assert not found, (name, found[:3])


def test_the_baseline_log_ends_at_the_stored_test_accuracy():
    stored = json.load(open(osp.join(RESULTS, 'baseline', 'test_metrics.json')))
    last_val = [ln for ln in open(osp.join(RESULTS, 'baseline', 'train.log'))
                if 'Epoch(val) [3]' in ln][-1]
    assert f"accuracy/top1: {stored['metrics']['accuracy/top1']:.4f}" in last_val


def test_sftn_profile_shows_the_same_heavy_calls_as_the_hand_written_step():
    text = open(osp.join(RESULTS, 'benchmark', 'sftn_profile.md')).read()
    rows = [ln.split('|')[1:4] for ln in text.splitlines() if ln.startswith('| aten::') and
            ln.count('|') == 4]
    calls = {op.strip(): (float(a), float(b)) for op, a, b in rows}
    assert {'aten::mkldnn_convolution', 'aten::convolution_backward',
            'aten::native_batch_norm', 'aten::native_batch_norm_backward'} <= set(calls)
    assert all(a == b for a, b in calls.values()), calls


def test_each_probe_summary_counts_the_candidates_of_its_ranking():
    for probe in os.listdir(osp.join(RESULTS, 'select_teacher')):
        folder = osp.join(RESULTS, 'select_teacher', probe)
        info = json.load(open(osp.join(folder, 'summary.json')))
        ranking = list(csv.DictReader(open(osp.join(folder, 'ranking.csv'))))
        assert info['matched'] == info['candidates'] == len(ranking), probe


def _stored_cells(folder: str):
    """teacher -> teacher top-1, (teacher, method) -> students' top-1 list, and the
    student alone's list, from a stored pipeline's results.csv."""
    teacher: Dict[str, float] = {}
    students: Dict[Tuple[str, str], List[float]] = {}
    alone: List[float] = []
    for row in csv.DictReader(open(osp.join(RESULTS, folder, 'results.csv'))):
        acc = float(row['accuracy'])
        if row['kind'] == 'teacher':
            teacher[row['teacher']] = acc
        elif row['kind'] == 'alone':
            alone.append(acc)
        else:
            students.setdefault((row['teacher'], row['method']), []).append(acc)
    return teacher, students, alone


def test_the_default_scale_is_a_miniature_of_the_full_one():
    """From the stored files of both scales: each teacher and the student alone within
    1.5 points of the full scale (an SFTN teacher within 3: float rounding alone moved
    the full-scale one by 2.8, see docs/en/results/friendly_teachers.md), and the
    teacher types in the full scale's order for every KD method where the full scale
    separates them by more than 0.3 points."""
    d_teacher, d_students, d_alone = _stored_cells('pipeline_default')
    f_teacher, f_students, f_alone = _stored_cells('pipeline_full')
    assert set(d_teacher) <= set(f_teacher) and len(d_teacher) >= 2
    for name, acc in d_teacher.items():
        assert abs(acc - f_teacher[name]) <= (3.0 if name == 'sftn' else 1.5), name
    assert abs(statistics.mean(d_alone) - statistics.mean(f_alone)) <= 1.5
    for m in {m for _, m in d_students}:
        for a in d_teacher:
            for b in d_teacher:
                gap = statistics.mean(f_students[(a, m)]) - statistics.mean(f_students[(b, m)])
                if gap > 0.3:
                    assert statistics.mean(d_students[(a, m)]) > \
                        statistics.mean(d_students[(b, m)]), (m, a, b)

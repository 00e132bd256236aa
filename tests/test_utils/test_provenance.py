"""provenance.json: the command, the code's commit and whether it was dirty, the
libraries, the machine, the wall time and the seeds of a stored result."""
import json
import subprocess
from importlib import metadata

import pytest

from sfkd.utils.provenance import code_state, versions, write_provenance

pytestmark = pytest.mark.unit


def git(root, *args):
    subprocess.run(['git', '-C', str(root), *args], check=True, capture_output=True,
                   env={'GIT_AUTHOR_NAME': 't', 'GIT_AUTHOR_EMAIL': 't@t', 'GIT_COMMITTER_NAME': 't',
                        'GIT_COMMITTER_EMAIL': 't@t', 'PATH': '/usr/bin:/bin'})


def test_code_state_names_the_commit_and_only_tracked_changes_make_it_dirty(tmp_path):
    plain, tmp_path = tmp_path / 'plain', tmp_path / 'repo'
    plain.mkdir()
    tmp_path.mkdir()
    git(tmp_path, 'init', '-q')
    (tmp_path / 'a.py').write_text('x = 1\n')
    git(tmp_path, 'add', 'a.py')
    git(tmp_path, 'commit', '-qm', 'one')
    head = subprocess.run(['git', '-C', str(tmp_path), 'rev-parse', 'HEAD'], text=True,
                          capture_output=True).stdout.strip()
    assert code_state(str(tmp_path)) == dict(commit=head, dirty=False)
    (tmp_path / 'results.md').write_text('new, untracked\n')
    assert code_state(str(tmp_path)) == dict(commit=head, dirty=False)
    (tmp_path / 'results').mkdir()
    (tmp_path / 'results' / 'table.md').write_text('one\n')
    git(tmp_path, 'add', 'results/table.md')
    git(tmp_path, 'commit', '-qm', 'a result')
    head = subprocess.run(['git', '-C', str(tmp_path), 'rev-parse', 'HEAD'], text=True,
                          capture_output=True).stdout.strip()
    (tmp_path / 'results' / 'table.md').write_text('rewritten by a run\n')
    assert code_state(str(tmp_path)) == dict(commit=head, dirty=False)  # results are not code
    (tmp_path / 'a.py').write_text('x = 2\n')
    assert code_state(str(tmp_path)) == dict(commit=head, dirty=True)
    assert code_state(str(plain)) == dict(commit=None, dirty=None)


def test_written_provenance_holds_every_field(tmp_path):
    import torch
    results = [dict(seconds=30.0, code=dict(commit='abc', dirty=False)),
               dict(seconds=90.0, code=dict(commit='abc', dirty=False)),
               dict(seconds=60.0, code=dict(commit='def', dirty=True)), dict()]
    path = write_provenance(str(tmp_path), 'python tools/run_pipeline.py', [0, 1, 2], results,
                            scale='full')
    got = json.load(open(path))
    assert path == str(tmp_path / 'provenance.json')
    assert got['command'] == 'python tools/run_pipeline.py' and got['seeds'] == [0, 1, 2]
    assert got['scale'] == 'full' and got['runs'] == 4
    assert got['wall_minutes'] == 3.0  # (30 + 90 + 60) s
    assert got['runs_trained_at'] == [dict(commit='abc', dirty=False),
                                      dict(commit='def', dirty=True)]
    assert got['versions']['torch'] == metadata.version('torch')
    assert got['machine']['torch'] == torch.__version__
    assert set(got['code']) == {'commit', 'dirty'} and got['date'].endswith('+00:00')
    assert versions(['surely-not-installed-xyz']) == {'surely-not-installed-xyz': None}

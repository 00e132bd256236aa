"""sfkd.apis.select_teacher and its command (``python tools/select_teacher.py``): probes on
a real Fashion-MNIST subset from tiny candidate teachers made here, the ranking files, and
Spearman's value by hand."""
import csv
import json
import math
import os
import os.path as osp

import pytest
import torch
from sfkd_testing import ROOT

from sfkd.apis import select_teacher as tool
from sfkd.tools import select_teacher as command
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.e2e

KD_CFG = 'configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'


def test_spearman_by_hand():
    # probe ranks [2, 3, 1, 4], full ranks [3, 2, 1, 4]: d^2 = 1 + 1, rho = 1 - 6 * 2 / (4 * 15)
    assert tool.spearman([90.1, 89.5, 91.0, 88.0], [85.0, 86.0, 87.0, 84.0]) == \
        pytest.approx(1 - 12 / 60, abs=1e-12)
    # a tie shares its ranks: [4, 2.5, 2.5, 1] vs [4, 3, 2, 1]; Pearson of the ranks is
    # 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    assert tool.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9), abs=1e-12)
    assert tool.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert tool.ranks([5.0, 7.0, 7.0, 1.0]) == [3.0, 1.5, 1.5, 4.0]


def test_pipeline_results_csv_gives_mean_kd_accuracy_and_seconds(tmp_path):
    path = tmp_path / 'results.csv'
    path.write_text('kind,teacher,method,seed,accuracy,teacher_accuracy,seconds\n'
                    'teacher,sftn,-,0,90.0,,50\n'
                    'distill,sftn,kd,0,88.0,90.0,10\n'
                    'distill,sftn,kd,1,89.0,90.0,12\n'
                    'distill,sftn,at,0,80.0,90.0,11\n'
                    'distill,standard,kd,0,87.0,91.0,9\n')
    cands = [('teacher_sftn', 'x/teacher_sftn/teacher_final.pth'),
             ('standard', 'y.pth'), ('other', 'z.pth')]
    found = tool.read_full_results(str(path), cands)
    assert found == {'teacher_sftn': (88.5, 22.0), 'standard': (87.0, 9.0)}


def reference_spearman(x, y):
    """Pearson correlation of mid-ranks: rank = 1 + #larger + (#equal - 1) / 2."""
    import statistics

    def mid_ranks(v):
        return [1 + sum(o > a for o in v) + (sum(o == a for o in v) - 1) / 2 for a in v]
    return statistics.correlation(mid_ranks(x), mid_ranks(y))


def make_candidates(root):
    """Two randomly initialised small-ResNet teachers, the second also as an epoch file."""
    from mmengine import DefaultScope
    from mmengine.config import Config

    from sfkd.models.model_config import build_model
    teacher_cfg = Config.fromfile(f'{ROOT}/{KD_CFG}').model.teacher.to_dict()
    paths = []
    for name, seed in (('teacher_a', 0), ('teacher_b', 1)):
        torch.manual_seed(seed)
        with DefaultScope.overwrite_default_scope('sfkd'):
            model = build_model(teacher_cfg, 'teacher')
        (root / name).mkdir()
        paths.append(str(root / name / 'teacher_final.pth'))
        torch.save({'state_dict': model.state_dict()}, paths[-1])
    (root / 'teacher_b' / 'epoch_1.pth').write_bytes(open(paths[-1], 'rb').read())
    return paths


def test_ranks_probes_of_three_candidates(tmp_path, fmnist_root, monkeypatch):
    monkeypatch.chdir(ROOT)
    make_candidates(tmp_path)
    full = tmp_path / 'full.json'
    full.write_text(json.dumps({'teacher_a': 80.0, 'teacher_b': 81.0,
                                'teacher_b/epoch_1': 79.0}))
    out = tmp_path / 'report'
    opts = ['train_dataloader.batch_size=64', 'val_dataloader.batch_size=128',
            'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'val_dataloader.persistent_workers=False', f'train_dataloader.dataset.data_root={fmnist_root}',
            f'val_dataloader.dataset.data_root={fmnist_root}']
    command.run([f'{tmp_path}/teacher_a/teacher_final.pth', f'{tmp_path}/teacher_b/*.pth',
               '--student-config', KD_CFG, '--out', str(out), '--epochs', '1',
               '--train-size', '128', '--val-size', '128', '--workers', '1',
               '--full-results', str(full), '--full-seconds', '1000', '--cfg-options', *opts])

    rows = list(csv.DictReader(open(out / 'ranking.csv')))
    assert sorted(r['candidate'] for r in rows) == ['teacher_a', 'teacher_b',
                                                    'teacher_b/epoch_1']
    probe = [float(r['probe_top1']) for r in rows]
    assert [float(r['rank']) for r in rows] == tool.ranks(probe)   # rows in rank order
    assert probe == sorted(probe, reverse=True)
    for r in rows:
        for key in ('probe_top1', 'teacher_top1', 'agreement'):
            assert 0.0 <= float(r[key]) <= 100.0
        assert float(r['kl']) >= 0 and 0 <= float(r['ece']) <= 100 and float(r['nll']) > 0
        assert float(r['probe_seconds']) > 0 and r['full_top1'] and r['full_rank']
    # the two copies of teacher_b are the same teacher: same accuracy and calibration
    b = {r['candidate']: r for r in rows if r['candidate'].startswith('teacher_b')}
    assert b['teacher_b']['teacher_top1'] == b['teacher_b/epoch_1']['teacher_top1']
    assert b['teacher_b']['ece'] == b['teacher_b/epoch_1']['ece']

    info = json.load(open(out / 'summary.json'))
    full_top1 = [float(r['full_top1']) for r in rows]
    assert full_top1 == [{'teacher_a': 80.0, 'teacher_b': 81.0, 'teacher_b/epoch_1': 79.0}[
        r['candidate']] for r in rows]
    assert info['matched'] == 3
    if len(set(probe)) > 1:
        assert info['spearman'] == pytest.approx(reference_spearman(probe, full_top1))
    seconds = sum(float(r['probe_seconds']) for r in rows)
    assert info['cost_fraction'] == pytest.approx(seconds / 1000, rel=1e-3)
    md = open(out / 'ranking.md').read()
    assert '| rank | candidate | probe student top-1 |' in md and 'Spearman' in md
    assert 'Command: `python tools/select_teacher.py' in md
    assert open(out / 'ranking.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    assert osp.isfile(out / 'probes' / 'probe_teacher_a' / 'student_final.pth')

    # a second call with other full results reuses the finished probes; of two
    # files, a candidate takes the first one's value
    full.write_text(json.dumps({'teacher_a': 82.0}))
    more = tmp_path / 'more.csv'
    more.write_text('candidate,accuracy\nteacher_a,70.0\nteacher_b,77.0\n')
    os.remove(out / 'probes' / 'probe_teacher_a' / 'student_final.pth')
    command.run([f'{tmp_path}/teacher_a/teacher_final.pth', f'{tmp_path}/teacher_b/*.pth',
               '--student-config', KD_CFG, '--out', str(out), '--epochs', '1',
               '--train-size', '128', '--val-size', '128', '--workers', '1',
               '--full-results', str(full), str(more), '--full-seconds', '1000',
               '--cfg-options', *opts])
    again = list(csv.DictReader(open(out / 'ranking.csv')))
    assert [(r['candidate'], r['probe_top1']) for r in again] == \
        [(r['candidate'], r['probe_top1']) for r in rows]
    assert not osp.exists(out / 'probes' / 'probe_teacher_a' / 'student_final.pth')
    assert {r['candidate']: r['full_top1'] for r in again} == {
        'teacher_a': '82.0', 'teacher_b': '77.0', 'teacher_b/epoch_1': ''}
    assert json.load(open(out / 'summary.json'))['matched'] == 2
    assert f'Full runs: `{full}`, `{more}` (2 of 3 candidates matched)' in \
        open(out / 'ranking.md').read()


def test_bad_candidate_names_the_file(tmp_path):
    with pytest.raises(CheckpointError, match='matches no file'):
        tool.expand_candidates([f'{tmp_path}/none_*.pth'])
    with pytest.raises(CheckpointError, match=r"candidate checkpoint .*missing.pth' not found"):
        tool.expand_candidates([f'{tmp_path}/missing.pth'])


def test_command_reports_a_bad_candidate_in_one_line(tmp_path):
    """The library raises; the command exits with one ``sfkd: error:`` line, having
    written nothing."""
    out = tmp_path / 'report'
    with pytest.raises(SystemExit) as err:
        command.main([f'{tmp_path}/none_*.pth', '--student-config', f'{ROOT}/{KD_CFG}',
                      '--out', str(out)])
    assert err.value.code == (f"sfkd: error: candidate '{tmp_path}/none_*.pth' matches no file; "
                              'give teacher checkpoint files (e.g. work_dirs/<teacher run>/'
                              'teacher_final.pth) or a glob that matches some')
    assert not out.exists()

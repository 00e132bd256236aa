"""projects/sftn_study/sftn_study.py at the smoke scale: a fine-tuned SFTN variant
starts from the standard teacher, and the report measures every KD student."""
import csv
import json
import os
import sys

import pytest
import torch
from sfkd_testing import ROOT, load_tool

pytestmark = pytest.mark.e2e


def test_study_smoke_trains_the_variant_from_the_standard_teacher(tmp_path, fmnist_root,
                                                                  monkeypatch):
    study = load_tool('projects/sftn_study/sftn_study.py', 'sftn_study')
    monkeypatch.chdir(ROOT)
    runs, out = str(tmp_path / 'runs'), str(tmp_path / 'report')
    monkeypatch.setattr(sys, 'argv', ['sftn_study.py', '--scale', 'smoke', '--teachers',
                                      'standard', '--variants', 'sftn_ft', '--dir', runs,
                                      '--out', out])
    study.main()

    # the fine-tuned teacher started from the standard teacher's last checkpoint
    from sfkd.apis.pipeline import teacher_checkpoint
    ft = json.load(open(f'{runs}/teacher_sftn_ft/result.json'))
    assert f'model.teacher_ckpt={teacher_checkpoint(runs + "/teacher_standard")}' in ft['options']
    assert 'train_cfg.max_epochs=1' in ft['options']

    rows = list(csv.DictReader(open(f'{out}/study.csv')))
    alone_rows = [r for r in rows if r['teacher'] == '-']
    rows = [r for r in rows if r['teacher'] != '-']
    assert [r['teacher'] for r in rows] == ['standard', 'sftn_ft']
    for r in rows:
        assert 0.0 <= float(r['agreement']) <= 100.0 and float(r['kl']) >= 0.0
        assert 0.0 <= float(r['teacher_train_top1']) <= 100.0
        assert 0.1 <= float(r['teacher_train_confidence']) <= 1.0  # 10 classes
    # the reported student accuracy is the one the KD run itself measured
    kd = json.load(open(f'{runs}/kd_sftn_ft_seed0/result.json'))
    assert float(rows[-1]['student_top1']) == pytest.approx(kd['metrics']['accuracy'], abs=1e-6)
    md = open(f'{out}/study.md').read()
    assert '| sftn_ft |' in md and 'sftn_study.py --scale smoke' in md
    alone = json.load(open(f'{runs}/alone_seed0/result.json'))['metrics']['accuracy']
    assert f'| (student alone) | - | - | {alone:.2f} (no teacher) |' in md
    # the student-alone cell has its per-seed source in the CSV
    assert [(r['seed'], float(r['student_top1'])) for r in alone_rows] == [('0', alone)]
    # the stored command names no absolute path of this machine
    command = md.split('Command: `')[1].split('`')[0]
    assert '--dir ' in command and not [a for a in command.split() if os.path.isabs(a)]
    assert 'Training time: ' in md and ' cores' in md
    assert open(f'{out}/study.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    # where the report came from: its command, the runs it read and their code states
    record = json.load(open(f'{out}/provenance.json'))
    trained = [d for d in os.listdir(runs) if os.path.isfile(f'{runs}/{d}/result.json')]
    assert record['command'] == command and record['runs'] == len(trained) == 5
    assert record['teachers'] == ['standard', 'sftn_ft'] and record['scale'] == 'smoke'
    assert record['runs_trained_at'] and all('commit' in c for c in record['runs_trained_at'])
    assert torch.load(f'{runs}/teacher_sftn_ft/teacher_final.pth', weights_only=True)
    assert os.path.isfile(f'{runs}/kd_sftn_ft_seed0/student_final.pth')


def test_every_variant_builds_with_its_options():
    """The variants' --cfg-options really change the SFTN teacher they name."""
    from mmengine.config import DictAction

    from sfkd.registry import MODELS
    from sfkd.utils import register_all_modules
    from sfkd.utils.config_loading import read_config
    study = load_tool('projects/sftn_study/sftn_study.py', 'sftn_study')
    register_all_modules()
    built = {}
    for name in ('sftn_lkl1', 'sftn_stage2'):
        v = study.VARIANTS[name]
        cfg = read_config(v.config)  # sfkd::sftn/...
        parsed = {}
        for opt in v.options:
            key, value = opt.split('=', 1)
            parsed[key] = DictAction._parse_iterable(value)
        cfg.merge_from_dict(parsed)
        built[name] = MODELS.build(cfg.model)
    assert built['sftn_lkl1'].weights['imitation'] == 1.0
    assert [(b.teacher_path, b.student_path) for b in built['sftn_lkl1'].branches] == [
        ('backbone.layer1', 'backbone.layer1'), ('backbone.layer2', 'backbone.layer2')]
    assert built['sftn_stage2'].weights['imitation'] == 3.0
    assert [(b.teacher_path, b.student_path) for b in built['sftn_stage2'].branches] == [
        ('backbone.layer2', 'backbone.layer2')]

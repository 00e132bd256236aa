"""The ensemble-of-teachers KD config trains on a real Fashion-MNIST subset: two
frozen teachers (model.teachers a and b) each feed their own KD loss."""
import glob
import json

import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import ROOT, tiny_options

from sfkd.models.model_config import build_model
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

ENSEMBLE = f'{ROOT}/configs/kd/kd-ensemble_small-resnet-x2_tiny-resnet_fashion-mnist.py'


def test_two_teachers_train_one_epoch_with_a_kd_loss_each(tmp_path, fmnist_root):
    ckpts = []
    with DefaultScope.overwrite_default_scope('sfkd'):
        for seed in (0, 1):
            torch.manual_seed(seed)
            teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
            ckpts.append(str(tmp_path / f'teacher_seed{seed}.pth'))
            torch.save({'state_dict': teacher.state_dict()}, ckpts[-1])
    work = tmp_path / 'work'
    runner = train_tool.run([ENSEMBLE, '--work-dir', str(work), '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32),
                             f'model.teachers.a.ckpt={ckpts[0]}',
                             f'model.teachers.b.ckpt={ckpts[1]}'])
    assert runner.iter == 2
    model = runner.model
    assert sorted(model.teacher_source.sources) == ['a', 'b']
    a, b = (model.teacher_source.sources[n].teacher() for n in ('a', 'b'))
    assert not torch.equal(a.head.fc.weight, b.head.fc.weight)  # two checkpoints, two teachers
    (log, ) = glob.glob(f'{work}/*/vis_data/scalars.json')
    steps = [json.loads(line) for line in open(log)]
    train = [s for s in steps if 'distill.loss_kd_a' in s]
    assert len(train) == 2 and all('distill.loss_kd_b' in s for s in train)
    assert any('teacher.accuracy/top1' in s for s in steps)  # teacher a, validated once

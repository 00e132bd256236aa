"""Teacher, then student: train a teacher, distil it with KD and FitNets, test the export."""
import json
import os.path as osp

import pytest
from sfkd_testing import BASELINE_CFG, ROOT, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

STUDENT_CFG = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
METHODS = {
    'kd': f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py',
    'fitnets': f'{ROOT}/configs/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py',
}


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory, fmnist_root):
    work = str(tmp_path_factory.mktemp('teacher'))
    train_tool.run([BASELINE_CFG, '--work-dir', work, '--cfg-options',
                    *tiny_options(train=256, test=128, epochs=1)])
    return osp.join(work, 'epoch_1.pth')


def scalars(work: str) -> list:
    logs = sorted(__import__('glob').glob(f'{work}/*/vis_data/scalars.json'))
    return [json.loads(line) for line in open(logs[-1])]


@pytest.mark.parametrize('method', sorted(METHODS))
def test_distil_then_test_exported_student(tmp_path, teacher_ckpt, method):
    work = str(tmp_path / method)
    runner = train_tool.run([METHODS[method], '--work-dir', work, '--cfg-options',
                             *tiny_options(train=256, test=128, epochs=1),
                             f'model.teacher_ckpt={teacher_ckpt}'])
    rows = scalars(work)
    train_keys = set().union(*[r for r in rows if 'lr' in r])
    assert 'student.loss' in train_keys
    assert {k for k in train_keys if k.startswith('distill.')}
    val = [r for r in rows if 'accuracy/top1' in r][-1]
    assert 'teacher.accuracy/top1' in val

    # the student-only export loads into the plain student config
    exported = osp.join(work, 'student_final.pth')
    assert osp.isfile(exported)
    metrics = test_tool.run([STUDENT_CFG, exported, '--work-dir', str(tmp_path / 'test'),
                             '--cfg-options', *tiny_options(train=256, test=128)])
    assert metrics['accuracy/top1'] == pytest.approx(val['accuracy/top1'])
    assert runner.epoch == 1

"""Teacher, then student: train a teacher, distil it with KD and FitNets, test the export."""
import json
import os.path as osp

import pytest
from sfkd_testing import BASELINE_CFG, ROOT, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

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


@pytest.mark.parametrize('config', ['sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py',
                                    'soteacher/soteacher_small-resnet_fashion-mnist.py'])
def test_friendly_teacher_export_equals_wrapped_teacher(tmp_path, fmnist_root, config):
    import torch
    from mmengine.runner import load_checkpoint

    from sfkd.models.model_config import build_model
    work = str(tmp_path / 'friendly')
    train_tool.run([f'{ROOT}/configs/{config}', '--work-dir', work, '--cfg-options',
                    *tiny_options(train=128, test=64, epochs=1)])
    wrapped = torch.load(osp.join(work, 'epoch_1.pth'), weights_only=True)['state_dict']
    exported = torch.load(osp.join(work, 'teacher_final.pth'), weights_only=True)['state_dict']
    teacher = {k[len('teacher.'):]: v for k, v in wrapped.items() if k.startswith('teacher.')}
    assert exported.keys() == teacher.keys()
    for key, value in teacher.items():
        assert torch.equal(exported[key], value), key
    assert not any(k.startswith(('students.', 'transforms.')) for k in exported)
    # the plain mmpretrain teacher config loads it strictly
    from mmengine.config import Config
    plain = build_model(Config.fromfile(BASELINE_CFG).model.to_dict())
    load_checkpoint(plain, osp.join(work, 'teacher_final.pth'), map_location='cpu', strict=True)

"""A Distiller without a teacher (teacher-free KD): it trains, validates, and explains
what cannot work without a teacher."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.datasets.fashion_mnist import fashion_mnist_batch
from sfkd.engine.distill_val_loop import DistillValLoop
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

TFKD_CFG = f'{ROOT}/configs/tfkd/tfkd_tiny-resnet_fashion-mnist.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def tfkd_cfg():
    return Config.fromfile(TFKD_CFG).model.to_dict()


def test_trains_without_a_teacher(tfkd_cfg, fmnist_root):
    model = MODELS.build(copy.deepcopy(tfkd_cfg))
    assert model.get_teacher() is None
    batch = fashion_mnist_batch(fmnist_root, 16)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train()
    log = model.train_step(batch, wrapper)
    assert set(log) == {'loss', 'student.loss', 'distill.loss_tf'}
    # the logged term is the loss on the virtual teacher of the batch's labels
    data = model.data_preprocessor(batch, True)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    with torch.no_grad():
        logits = model.student(data['inputs'], mode='tensor')
        expected = model.distill_losses.loss_tf(logits, labels)
        got = model.loss(data['inputs'], data['data_samples'])['distill.loss_tf']
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_validation_reports_the_student_only(tfkd_cfg):
    model = MODELS.build(copy.deepcopy(tfkd_cfg))
    loop = SimpleNamespace(runner=SimpleNamespace(model=model), _frozen_teacher_metrics=None)
    assert DistillValLoop._teacher_metrics(loop, evaluate=None, size=0) == {}


def test_a_teacher_tap_without_a_teacher_is_refused(tfkd_cfg):
    cfg = copy.deepcopy(tfkd_cfg)
    cfg['distill_losses']['loss_kd'] = dict(type='KDLoss')
    cfg['loss_inputs']['loss_kd'] = dict(student='student.logits', teacher='teacher.logits')
    with pytest.raises(BadConfigError, match=r"loss_inputs.loss_kd.teacher: 'teacher.logits' is "
                                             r'a teacher tap, but model.teacher is None'):
        MODELS.build(cfg)


@pytest.mark.parametrize('key, value', [('teacher_ckpt', 'teacher.pth'),
                                        ('teacher_taps', dict(logits='head.fc'))])
def test_teacher_options_without_a_teacher_are_refused(tfkd_cfg, key, value):
    cfg = dict(copy.deepcopy(tfkd_cfg), **{key: value})
    with pytest.raises(BadConfigError, match=f'model.teacher is None .* but model.{key} is set'):
        MODELS.build(cfg)

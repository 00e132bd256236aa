"""The Fashion-MNIST configs of NKD, USKD and KD/DKD on standardised logits build and
train two steps on real images, with each loss's value the one its inputs give."""
import copy

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.datasets.fashion_mnist import fashion_mnist_batch
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration

CONFIGS = {
    'nkd': ('nkd/nkd_small-resnet_tiny-resnet_fashion-mnist.py', 'loss_nkd'),
    'uskd': ('uskd/uskd_tiny-resnet_fashion-mnist.py', 'loss_uskd'),
    'kd-ls': ('logit_stand/kd-ls_small-resnet_tiny-resnet_fashion-mnist.py', 'loss_kd'),
    'dkd-ls': ('logit_stand/dkd-ls_small-resnet_tiny-resnet_fashion-mnist.py', 'loss_dkd'),
}


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def batch(fmnist_root):
    return fashion_mnist_batch(fmnist_root, 16)


def build(name, tmp_path):
    cfg = Config.fromfile(f'{ROOT}/configs/{CONFIGS[name][0]}').model.to_dict()
    if cfg['teacher'] is not None:  # a teacher of the config's architecture, random weights
        torch.manual_seed(0)
        cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': build_model(copy.deepcopy(cfg['teacher'])).state_dict()},
                   cfg['teacher_ckpt'])
    torch.manual_seed(0)
    return MODELS.build(cfg)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_trains_two_steps_on_real_images(name, batch, tmp_path):
    model = build(name, tmp_path)
    loss_name = CONFIGS[name][1]
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    logs = [model.train_step(batch, wrapper) for _ in range(2)]
    for log in logs:
        assert set(log) == {'loss', 'student.loss', f'distill.{loss_name}'}
        assert all(torch.isfinite(v) for v in log.values()), log
        assert log[f'distill.{loss_name}'] > 0
    changed = {k for k, v in model.state_dict().items()
               if v.dtype.is_floating_point and not torch.equal(before[k], v)}
    assert 'student.head.fc.weight' in changed
    if name == 'uskd':  # the weak classifier trains with the student, and is saved with it
        assert f'distill_losses.{loss_name}.fc.weight' in changed
        assert model.get_teacher() is None


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_logged_value_is_the_loss_on_the_routed_records(name, batch, tmp_path):
    model = build(name, tmp_path)
    model.eval()  # deterministic BN
    data = model.data_preprocessor(batch, True)
    inputs, samples = data['inputs'], data['data_samples']
    labels = torch.cat([s.gt_label for s in samples])
    loss_name = CONFIGS[name][1]
    loss = model.distill_losses[loss_name]
    with torch.no_grad():
        logged = model.loss(inputs, samples)[f'distill.{loss_name}']
        logits = model.student(inputs, mode='tensor')
        if name == 'uskd':
            backbone = model.student.backbone  # the stage before the last
            feature = backbone.layer2(backbone.layer1(backbone.stem(inputs)))
            assert feature.shape[1] == 16
            expected = loss(logits, labels, feature=feature)
        else:
            teacher = model.get_teacher()(inputs, mode='tensor')
            extra = {} if name == 'kd-ls' else dict(target=labels)
            expected = loss(logits, teacher, **extra)
    assert logged.item() == pytest.approx(expected.item(), rel=1e-6)

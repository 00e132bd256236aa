"""CTKD inside a Distiller: the learnable temperature is one of the model's parameters,
the run's optimiser holds it, the reversed gradient reaches it, and the Fashion-MNIST
config trains on real images with its curriculum set by the runner."""
import glob
import math

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from sfkd_testing import ROOT, tiny_options

from sfkd.models.training_progress import set_progress
from sfkd.registry import MODELS
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.integration

CTKD = f'{ROOT}/configs/ctkd/ctkd_small-resnet_tiny-resnet_fashion-mnist.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def batch(n=4):
    from mmpretrain.structures import DataSample
    inputs = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    return inputs, [DataSample().set_gt_label(i % 10) for i in range(n)]


def test_the_optimiser_trains_the_temperature_with_a_reversed_gradient(teacher_ckpt):
    cfg = Config.fromfile(CTKD)
    model = MODELS.build(dict(cfg.model.to_dict(), teacher_ckpt=teacher_ckpt))
    t_pred = model.distill_losses.loss_kd.temperature.t_pred
    assert any(p is t_pred for p in model.parameters())
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert any(p is t_pred for group in wrapper.optimizer.param_groups for p in group['params'])
    assert 'distill_losses.loss_kd.temperature.t_pred' in model.state_dict()

    set_progress(model, 0, 3)  # the first epoch: lambda = 0.5 over curriculum_epochs=2
    lam = 0.5 * (1 + math.cos((1 + 1 / 2) * math.pi))
    model.train()
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    s = model.student_taps.values()['student.logits'].detach()
    t = model.teacher_taps.values()['teacher.logits'].detach()
    sum(losses.values()).backward()

    theta = t_pred.detach().clone().requires_grad_(True)
    tau = 1 + 20 * torch.sigmoid(theta)
    log_ps, log_pt = torch.log_softmax(s / tau, dim=1), torch.log_softmax(t / tau, dim=1)
    plain = 0.9 * tau**2 * (log_pt.exp() * (log_pt - log_ps)).sum() / len(s)
    (grad, ) = torch.autograd.grad(plain, theta)
    assert grad.item() != 0
    torch.testing.assert_close(t_pred.grad, -lam * grad, rtol=1e-4, atol=1e-7)


def test_the_fashion_mnist_config_trains_its_temperature(tmp_path, fmnist_root, teacher_ckpt):
    work = tmp_path / 'work'
    runner = train_tool.run([CTKD, '--work-dir', str(work), '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32),
                             f'model.teacher_ckpt={teacher_ckpt}'])
    assert runner.iter == 2
    temperature = runner.model.distill_losses.loss_kd.temperature
    assert temperature.progress.epoch == 0 and temperature.progress.max_epochs == 1
    assert temperature.t_pred.item() != 1.0  # moved from its initial value
    (ckpt, ) = glob.glob(f'{work}/epoch_1.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert state['distill_losses.loss_kd.temperature.t_pred'].item() == temperature.t_pred.item()

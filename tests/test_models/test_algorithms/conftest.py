"""Fixtures for the algorithm tests."""
import pytest
import torch
from mmengine import DefaultScope

from sfkd.models.model_config import build_model

SMALL_RESNET = dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py')


@pytest.fixture(scope='session')
def random_teacher_ckpt(tmp_path_factory) -> str:
    """A checkpoint of the Fashion-MNIST small ResNet teacher with random weights (seed 0),
    for a frozen teacher whose values, not its accuracy, a test compares."""
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(SMALL_RESNET)
    path = tmp_path_factory.mktemp('random_teacher') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)

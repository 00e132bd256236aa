"""Fixtures of the teacher-source tests: sfkd's registry scope, and a batch of three
one-channel 6x6 inputs."""
import pytest
import torch
from mmengine import DefaultScope

SHAPE = (1, 6, 6)


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture
def x():
    return torch.randn(3, *SHAPE, generator=torch.Generator().manual_seed(1))

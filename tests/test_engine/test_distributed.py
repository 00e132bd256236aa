"""CPU distributed set-up: gloo, no device ids, and a clear refusal of SyncBN."""
import pytest
import torch
from mmengine.config import Config

from sfkd.engine.distributed import setup_distributed
from sfkd.utils.errors import BadConfigError

pytestmark = [pytest.mark.unit,
              pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU path')]


def test_no_launcher_changes_nothing():
    cfg = Config(dict(launcher='none'))
    setup_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg


def test_sync_bn_is_refused_on_cpu():
    cfg = Config(dict(launcher='pytorch', sync_bn='torch'))
    with pytest.raises(BadConfigError, match='sync_bn=.torch. needs GPUs'):
        setup_distributed(cfg)


def test_pytorch_launcher_needs_torchrun_environment(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(BadConfigError, match='start the job with torchrun'):
        setup_distributed(Config(dict(launcher='pytorch')))

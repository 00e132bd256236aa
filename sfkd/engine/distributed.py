"""Distributed set-up that works on GPUs (nccl) and on CPU-only machines (gloo).

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps the
model with ``device_ids=[LOCAL_RANK]``, which both fail without a GPU. On such
a machine sfkd initialises a gloo process group itself before the Runner is
built (the Runner then skips its own initialisation) and wraps the model with
``device_ids=None``. On GPUs nothing is changed; there ``sync_bn='torch'`` in a
config converts the trainable models' BatchNorm layers to SyncBatchNorm (MMEngine's
option; a frozen teacher is outside the wrapped model and keeps its own).
"""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config

from sfkd.utils.errors import BadConfigError

REQUIRED_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')


def check_sync_bn(cfg: Config) -> None:
    """Refuse ``sync_bn`` without a GPU, in one process as in several."""
    if cfg.get('sync_bn') and not torch.cuda.is_available():
        raise BadConfigError(f"sync_bn={cfg.sync_bn!r} needs GPUs (SyncBatchNorm has no CPU "
                             "implementation); drop sync_bn on the CPU, or use a per-sample "
                             "norm such as norm='gn' where a model offers it")


def setup_distributed(cfg: Config) -> None:
    """Prepare ``cfg`` (and the process group on CPUs) for ``cfg.launcher``."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    check_sync_bn(cfg)
    if launcher != 'pytorch':
        raise BadConfigError(f'--launcher {launcher} needs GPUs; on a CPU-only machine use '
                           '--launcher pytorch under torchrun (tools/dist_train.sh)')
    missing = [k for k in REQUIRED_ENV if k not in os.environ]
    if missing:
        raise BadConfigError(f'--launcher pytorch needs the environment variables {missing}; '
                           'start the job with torchrun (tools/dist_train.sh, tools/dist_test.sh)')
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed() -> None:
    """Leave the process group cleanly at the end of a command-line run.

    A process that exits with a gloo group still open can abort in the C++
    runtime ("terminate called without an active exception") while its
    background threads are torn down, which torchrun reports as a failure.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()

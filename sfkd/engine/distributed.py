"""Distributed set-up that works on GPUs (nccl) and on CPU-only machines (gloo).

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps the
model with ``device_ids=[LOCAL_RANK]``, which both fail without a GPU. On such
a machine sfkd initialises a gloo process group itself before the Runner is
built (the Runner then skips its own initialisation) and wraps the model with
``device_ids=None``. On GPUs nothing is changed; there ``sync_bn='torch'`` in a
config converts the trainable models' BatchNorm layers to SyncBatchNorm (MMEngine's
option; a frozen teacher is outside the wrapped model and keeps its own).
"""
import logging
import os
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config

from sfkd.utils.errors import BadConfigError

REQUIRED_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
# how to start the workers with an installed sfkd (a clone's tools/dist_train.sh and
# tools/dist_test.sh do the same)
TORCHRUN = ('python -m sfkd.tools.launch --nproc_per_node=N -m sfkd.tools.train CONFIG '
            '--launcher pytorch, or -m sfkd.tools.test CONFIG CHECKPOINT --launcher pytorch')


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
                             f'--launcher pytorch under torchrun: {TORCHRUN}')
    missing = [k for k in REQUIRED_ENV if k not in os.environ]
    if missing:
        raise BadConfigError(f'--launcher pytorch needs the environment variables {missing}; '
                             f'start the job with torchrun: {TORCHRUN}')
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed() -> None:
    """Leave the process group at the end of a command-line run; a gloo process then
    ends at once (``os._exit``), its output flushed, without finalising the interpreter.

    Why: each gloo collective's work object, and with it the collective's tensors, is
    released by the gloo worker thread that ran it, just after the caller was told that
    the collective is done. A tensor that Python no longer references needs the GIL at
    that release. When the worker thread is descheduled there (a busy machine) while the
    main thread returns and starts finalising the interpreter, the thread's late GIL
    request makes Python end it with ``pthread_exit``, whose unwinding through the work's
    ``noexcept`` destructor calls ``std::terminate``: "terminate called without an
    active exception", SIGABRT, and torchrun reports the rank as failed although the
    run finished. ``destroy_process_group`` does not join gloo's worker threads (only
    the group's destructor does, and the references the DDP-wrapped model leaves keep
    the group alive), so the process ends here, before finalisation, with nothing left
    to write. The NCCL path is left as it is.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    gloo = dist.get_backend() == 'gloo'
    dist.barrier()
    dist.destroy_process_group()
    if gloo:
        exit_without_finalising(0)


def exit_without_finalising(status: int) -> None:
    """Flush the standard streams and the log handlers, then ``os._exit(status)``."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream has nothing to keep
            pass
    logging.shutdown()
    os._exit(status)

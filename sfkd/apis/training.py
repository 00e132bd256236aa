"""Train from an sfkd config in Python.

Example::

    from sfkd import apis

    result = apis.train('sfkd::baseline/tiny-resnet_3e_fashion-mnist.py',
                        work_dir='work_dirs/tiny', cfg_options={'train_cfg.max_epochs': 1})
    result.metrics['accuracy/top1'], result.runner.work_dir

What the run is comes from the config itself: sfkd's default runtime names its
hooks, and sfkd's schedules its train loop, which sets up the training data and
fits the schedules (:mod:`sfkd.engine.training_setup`). So :func:`train`,
``sfkd-train`` (which calls :func:`build_trainer`) and MMEngine's
``Runner.from_cfg(cfg).train()`` train the same run. What :func:`train` adds is
the order of the checks: whatever the run would refuse is refused before
anything is built or written (the work dir, the data roots, the schedule, the
optimiser's and the loops' options).

sfkd's checks raise :class:`~sfkd.utils.errors.SfkdError` subclasses
(``BadConfigError``, ``CheckpointError``, ``WorkDirError``), each with a
one-line message; MMEngine's own errors while building (an unknown type: a
``KeyError``) are raised as MMEngine raises them.
"""
import copy
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config
from mmengine.runner import Runner

from sfkd.apis.config_input import ConfigInput, config_name, default_work_dir, load
from sfkd.apis.run_result import RunResult, last_val_metrics
from sfkd.datasets.data_roots import TRAINING, resolve_data_roots
from sfkd.datasets.pipeline_from import KEY as PIPELINE_FROM
from sfkd.datasets.pipeline_from import apply_train_pipeline_from
from sfkd.utils.checkpoint_io import read_state_dict
from sfkd.engine.distributed import check_sync_bn, setup_distributed
from sfkd.engine.hooks.config_teacher_cache_hook import KEY as TEACHER_CACHE
from sfkd.engine.hooks.config_teacher_cache_hook import teacher_cache_hook
from sfkd.engine.hooks.data_check_hook import check_not_empty
from sfkd.engine.prebuild import build_after_train_loop, build_loop
from sfkd.engine.runner import SfkdRunner
from sfkd.engine.work_dir import check_work_dir
from sfkd.models.zoo import prefetch as prefetch_zoo_weights
from sfkd.registry import RUNNERS
from sfkd.utils import register_all_modules
from sfkd.utils.errors import CheckpointError


def runner_from(cfg: Config) -> Runner:
    """The runner the config names (``runner_type``, as MMEngine's ``RUNNERS.build``
    reads it), else :class:`SfkdRunner`."""
    if cfg.get('runner_type'):
        return RUNNERS.build(cfg)
    return SfkdRunner.from_cfg(cfg)


def check_training_config(cfg: Config) -> None:
    """Refuse, from the config alone, what the run would refuse once built: a missing
    ``train_pipeline_from`` file, ``sync_bn`` without a GPU, bad ``teacher_cache``
    options. Changes nothing."""
    if cfg.get(PIPELINE_FROM):
        apply_train_pipeline_from({PIPELINE_FROM: cfg.get(PIPELINE_FROM),
                                   'train_dataloader': copy.deepcopy(
                                       cfg.get('train_dataloader'))})
    check_sync_bn(cfg)  # MMEngine ignores it in one process
    if cfg.get(TEACHER_CACHE):
        teacher_cache_hook(cfg.get(TEACHER_CACHE))


def training_config(cfg: ConfigInput, work_dir: Optional[str] = None,
                    cfg_options: Optional[dict] = None,
                    resume: Union[bool, str, None] = None, launcher: str = 'none') -> Config:
    """The config :func:`build_trainer` builds from: ``cfg`` with ``cfg_options``, its work
    dir and resume settings, checked (:func:`check_training_config`).

    Args:
        cfg: A config file, ``sfkd::<path inside configs/>``, or a ``Config``.
        work_dir: Where checkpoints and logs go (default: the config's ``work_dir``,
            else ``work_dirs/<config name>``).
        cfg_options: ``{dotted key: value}`` to merge, as ``--cfg-options``.
        resume: ``True``: continue from the work dir's newest checkpoint; a path:
            from that checkpoint; ``None``/``False``: as the config says.
        launcher: ``'none'``, or the launcher of a distributed run (``'pytorch'``).
    """
    name = config_name(cfg)
    cfg = load(cfg, cfg_options)
    cfg.launcher = launcher
    cfg.work_dir = work_dir or cfg.get('work_dir') or default_work_dir(name)
    if resume is True:  # the runner finds the checkpoint (sfkd.engine.resume)
        cfg.resume, cfg.load_from = True, None
    elif isinstance(resume, str):
        if not osp.isfile(resume):
            raise CheckpointError(f'resume={resume!r}: no such checkpoint file; pass the '
                                  'checkpoint to continue from, or resume=True for the newest '
                                  'in the work dir')
        read_state_dict(resume, owner='resume')
        cfg.resume, cfg.load_from = True, resume
    check_training_config(cfg)
    return cfg


def build_trainer(cfg: Config) -> Runner:
    """Build the runner of a :func:`training_config`, ready to train.

    Before the runner is built, the training data roots are checked, the zoo
    weights fetched and the work dir checked; then the train loop (with its
    data and fitted schedules), the optimiser and the val loop are built, so
    that their errors come before the first iteration.
    """
    register_all_modules(init_default_scope=False)
    resolve_data_roots({name: copy.deepcopy(cfg.get(name)) for name in
                        ('train_dataloader', 'val_dataloader', 'val_evaluator')
                        if cfg.get(name) is not None}, TRAINING)
    prefetch_zoo_weights(cfg.get('model'))
    check_work_dir(cfg.work_dir)
    setup_distributed(cfg)
    runner = runner_from(cfg)
    build_loop(runner, 'train')
    check_not_empty(runner.train_loop.dataloader.dataset)
    build_after_train_loop(runner)  # done already by sfkd's train loop, not by MMEngine's
    return runner


def train(cfg: ConfigInput, work_dir: Optional[str] = None, cfg_options: Optional[dict] = None,
          resume: Union[bool, str, None] = None, launcher: str = 'none') -> RunResult:
    """Train ``cfg`` (arguments as :func:`training_config`); return the runner and the
    metrics of the last validation."""
    runner = build_trainer(training_config(cfg, work_dir, cfg_options, resume, launcher))
    runner.train()
    return RunResult(runner, last_val_metrics(runner))

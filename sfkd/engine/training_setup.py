"""What sfkd's train loop reads from a config besides MMEngine's own keys.

When the runner builds the train loop (:class:`ResumableEpochBasedTrainLoop`,
which sfkd's schedules name in ``train_cfg``), before the training data is built:

- ``train_pipeline_from`` replaces the training pipeline
  (:mod:`sfkd.datasets.pipeline_from`);
- the relative data roots of the train and val dataloaders (and the val
  evaluator's files) are resolved (:mod:`sfkd.datasets.data_roots`);

and once the epoch length is known:

- the epoch-based parameter schedules are fitted to ``max_epochs``, and
  fractions of an epoch are rounded to whole iterations
  (:mod:`sfkd.engine.schedule_fit`).

The runner's parts that it has not built yet and its config (``runner.cfg``:
what it dumps next to its checkpoints, what the teacher-output cache keys its
entries on) get the same changes, so the dump describes the run.

This is the loop's work because MMEngine's ``Runner.train()`` builds the train
loop first, before the val loop, the parameter schedulers and any hook's
``before_run``: a loop that the config names is the one place where every
runner (sfkd's, MMEngine's own ``Runner.from_cfg``, a project's) lets the
config shape its training data and schedules.
"""
import os.path as osp
from typing import MutableMapping, Optional

from mmengine.config import Config

from sfkd.datasets.data_roots import TRAINING, resolve_data_roots
from sfkd.datasets.pipeline_from import KEY as PIPELINE_FROM
from sfkd.datasets.pipeline_from import apply_train_pipeline_from
from sfkd.engine.schedule_fit import fit_schedules, has_open_ended, settle_fractions

# the parts of a runner that MMEngine builds after the train loop, by their config key
PENDING = ('val_dataloader', 'val_evaluator')


def _pending(runner, name: str):
    """The config of ``runner``'s part ``name``, while the runner has not built it."""
    value = getattr(runner, f'_{name}', None)
    return value if isinstance(value, (dict, list)) else None


def prepare_training_data(runner, dataloader: MutableMapping) -> None:
    """Apply ``train_pipeline_from`` and resolve the data roots of the run's training
    data: ``dataloader`` (the train dataloader's config, about to be built), the val
    dataloader and evaluator the runner will build next, and ``runner.cfg``.

    Raises:
        BadConfigError: The pipeline's file or a data root is missing, or a data
            folder lacks its files.
    """
    parts = {'train_dataloader': dataloader}
    parts.update({name: _pending(runner, name) for name in PENDING
                  if _pending(runner, name) is not None})
    cfg = runner.cfg
    if cfg.get(PIPELINE_FROM):
        parts[PIPELINE_FROM] = cfg.get(PIPELINE_FROM)
    for config in (parts, cfg):
        apply_train_pipeline_from(config)
        resolve_data_roots(config, TRAINING)


def _schedule_configs(schedulers) -> Optional[list]:
    """``schedulers`` as a list of scheduler configs, or None when they are built already
    (or are not one list of configs, as with one list per optimiser)."""
    if isinstance(schedulers, MutableMapping) and 'type' in schedulers:
        return [schedulers]
    if isinstance(schedulers, list) and all(isinstance(s, MutableMapping) for s in schedulers):
        return schedulers
    return None


def own_max_epochs(cfg) -> Optional[int]:
    """The ``max_epochs`` of the file ``cfg`` was read from, before any option was merged
    into it (None for a config not read from a file)."""
    filename = getattr(cfg, 'filename', None)
    if not filename or not osp.isfile(filename):
        return None
    return (Config.fromfile(filename).get('train_cfg') or {}).get('max_epochs')


def fit_run_schedules(runner, max_epochs: int, epoch_length: int) -> None:
    """Fit the parameter schedules the runner will build, and those of ``runner.cfg``, to
    ``max_epochs`` epochs of ``epoch_length`` iterations (:mod:`sfkd.engine.schedule_fit`).

    A scheduler without an ``end`` (a step schedule) scales with ``max_epochs`` over the
    ``max_epochs`` of the config file itself (:func:`own_max_epochs`).
    """
    pending = _schedule_configs(runner.param_schedulers)
    dumped = _schedule_configs(runner.cfg.get('param_scheduler'))
    if pending is None and dumped is None:
        return
    reference = own_max_epochs(runner.cfg) \
        if has_open_ended(pending) or has_open_ended(dumped) else None
    train_cfg = dict(max_epochs=max_epochs)
    if dumped is not None:  # fitted, as the run reads it (its fractions of an epoch kept)
        fit_schedules(dict(train_cfg=train_cfg, param_scheduler=dumped), reference)
    if pending is not None:
        fit_schedules(dict(train_cfg=train_cfg, param_scheduler=pending), reference)
        settle_fractions(pending, epoch_length)
        runner.param_schedulers = pending

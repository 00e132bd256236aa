"""sfkd's epoch-based train loop: it resumes mid-epoch exactly, and it sets up the
training data and schedules as the config means them.

MMEngine's ``EpochBasedTrainLoop`` restarts the epoch from its first batch when
it resumes from an iteration checkpoint (``checkpoint.by_epoch=False``): it
replays the batches already trained, overruns the schedule and ends with other
weights than an uninterrupted run. This loop skips those batches instead. The
order of an epoch is fixed by the sampler's seed and the epoch number
(MMEngine's ``DefaultSampler``), so the rest of the epoch is exactly the batches
that the interrupted run would have trained next.

sfkd's schedules name this loop in ``train_cfg``, so any runner that builds
the config's loop (``sfkd-train``, :func:`sfkd.apis.train`, MMEngine's
``Runner.from_cfg``, a project's runner) also gets what the loop sets up when it
is built (:mod:`sfkd.engine.training_setup`): ``train_pipeline_from``, the
resolved data roots and the schedules fitted to ``max_epochs``.
"""
import itertools
from contextlib import contextmanager
from typing import Iterable, Iterator

from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler

from sfkd.datasets.split_overlap import check_split_overlap
from sfkd.engine.resume import overwrite_warning
from sfkd.engine.training_setup import fit_run_schedules, prepare_training_data
from sfkd.registry import LOOPS
from sfkd.utils.errors import BadConfigError, CheckpointError
from sfkd.utils.options import no_such_option


class _SkipFirst:
    """A sampler that leaves out the first ``n`` indices of another (same length)."""

    def __init__(self, sampler, n: int) -> None:
        self.sampler, self.n = sampler, n

    def __iter__(self) -> Iterator:
        return itertools.islice(iter(self.sampler), self.n, None)

    def __len__(self) -> int:
        return len(self.sampler)


@contextmanager
def skip_batches(loader, n: int) -> Iterator[Iterable]:
    """Iterate ``loader`` without its first ``n`` batches.

    With a plain ``BatchSampler`` the skipped samples are not even loaded; any
    other batch sampler is iterated and its first ``n`` batches dropped.
    """
    batch_sampler = getattr(loader, 'batch_sampler', None)
    if type(batch_sampler) is BatchSampler:
        sampler = batch_sampler.sampler
        batch_sampler.sampler = _SkipFirst(sampler, n * batch_sampler.batch_size)
        try:
            yield loader
        finally:
            batch_sampler.sampler = sampler
    else:
        yield itertools.islice(loader, n, None)


def check_schedule_length(name: str, value) -> None:
    """Refuse a training loop that would train nothing (``max_epochs``/``max_iters`` < 1)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1:
        raise BadConfigError(
            f'train_cfg.{name}={value}: nothing would be trained (and the run would '
            f'export untrained weights); set train_cfg.{name} to at least 1')


#: the options of :class:`ResumableEpochBasedTrainLoop` (MMEngine's epoch-based loop's)
OPTIONS = ('max_epochs', 'val_begin', 'val_interval', 'dynamic_intervals')


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that continues a resumed epoch where it stopped, and sets
    up the run's training data and schedules when it is built.

    Takes the same arguments as MMEngine's loop. Before it builds its dataloader
    it applies the config's ``train_pipeline_from`` and resolves the data roots of
    the train and val data, refuses a validation set that shares subjects or
    slices with the training set, and warns of another run's checkpoints it will
    write over; then it fits the parameter schedulers, which the runner builds
    after the loop, to ``max_epochs`` and the epoch's length
    (:mod:`sfkd.engine.training_setup`), builds the optimiser wrapper and the val
    loop, and checks the schedulers' options (:mod:`sfkd.engine.prebuild`), so
    that a typo in any of them gets ``sfkd-train``'s one-line error under any
    runner.

    Raises:
        BadConfigError: An option the loop does not have; ``max_epochs`` is not a
            whole number of at least 1; the training data cannot be set up (a
            missing data root or pipeline file); an unknown option or type in the
            optimiser, the schedulers or ``val_cfg``.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1, dynamic_intervals=None, **unknown) -> None:
        if unknown:  # named as sfkd-train names it, under any runner
            raise BadConfigError('train_cfg: ' + no_such_option(
                type(self).__name__, next(iter(unknown)), list(OPTIONS)))
        check_schedule_length('max_epochs', max_epochs)
        if not isinstance(max_epochs, (int, float)) or isinstance(max_epochs, bool) or \
                int(max_epochs) != max_epochs:
            raise BadConfigError(f'train_cfg.max_epochs={max_epochs!r}: an epoch-based loop '
                                 'trains whole epochs; set train_cfg.max_epochs to a whole '
                                 'number')
        if isinstance(dataloader, dict):
            prepare_training_data(runner, dataloader)
        check_split_overlap(runner.cfg, 'val_dataloader')
        # a run writes checkpoints: say which of another run's it will write over
        warning = overwrite_warning(runner.work_dir,
                                    runner._load_from if runner._resume else None)
        if warning:
            runner.logger.warning(warning)
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        fit_run_schedules(runner, self.max_epochs, len(self.dataloader))
        # MMEngine builds these right after this loop: built (or checked) here, a typo in
        # them gets sfkd-train's one-line error under any runner
        from sfkd.engine.prebuild import build_after_train_loop
        build_after_train_loop(runner)

    def run_epoch(self) -> None:
        length = len(self.dataloader)
        done = self._iter - self._epoch * length
        if done == 0:
            return super().run_epoch()
        if not 0 < done <= length:
            raise CheckpointError(
                f'cannot resume at iteration {self._iter} of epoch {self._epoch + 1}: an epoch '
                f'now has {length} iterations, so that iteration is not in that epoch. The '
                'batch size, the training set or the number of processes changed since the '
                'checkpoint was saved; resume with the settings it was trained with')
        self.runner.logger.info(f'resuming epoch {self._epoch + 1} after its first {done} of '
                                f'{length} iterations')
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        with skip_batches(self.dataloader, done) as batches:
            for idx, data_batch in enumerate(batches, start=done):
                self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

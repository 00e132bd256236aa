"""An epoch-based train loop that resumes mid-epoch exactly.

MMEngine's ``EpochBasedTrainLoop`` restarts the epoch from its first batch when
it resumes from an iteration checkpoint (``checkpoint.by_epoch=False``): it
replays the batches already trained, overruns the schedule and ends with other
weights than an uninterrupted run. This loop skips those batches instead. The
order of an epoch is fixed by the sampler's seed and the epoch number
(MMEngine's ``DefaultSampler``), so the rest of the epoch is exactly the batches
that the interrupted run would have trained next.
"""
import itertools
from contextlib import contextmanager
from typing import Iterable, Iterator

from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler

from sfkd.registry import LOOPS
from sfkd.utils.errors import CheckpointError


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


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that continues a resumed epoch where it stopped.

    Takes the same arguments as MMEngine's loop; ``tools/train.py`` uses it for
    every epoch-based config.
    """

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


def use_resumable_loop(train_cfg: dict) -> None:
    """Make an epoch-based ``train_cfg`` use :class:`ResumableEpochBasedTrainLoop`."""
    if not train_cfg:
        return
    if 'type' not in train_cfg and train_cfg.get('by_epoch'):
        train_cfg.pop('by_epoch')
        train_cfg['type'] = 'sfkd.ResumableEpochBasedTrainLoop'
    elif train_cfg.get('type') in ('EpochBasedTrainLoop', 'mmengine.EpochBasedTrainLoop'):
        train_cfg['type'] = 'sfkd.ResumableEpochBasedTrainLoop'

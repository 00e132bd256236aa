"""Where a training run is (epoch, schedule length), handed to the models that need it.

A model whose training step depends on the run's progress (a warm-up counted in
epochs, a weight scaled to the run's length, a per-epoch schedule) mixes in
:class:`ProgressAware` and reads ``self.progress``. sfkd's runner sets it through
:class:`sfkd.engine.hooks.TrainingProgressHook`, which calls
:func:`set_progress` before training and before every epoch; a model stepped by
hand calls ``model.set_progress(...)`` itself. Until then ``progress`` is
:data:`NO_PROGRESS`: epoch 0, the schedule's length unknown (``None``), and a
model that cannot train without it says so.
"""
from typing import NamedTuple, Optional

from torch import nn

#: what the models are told to run a method without a runner: call this, or train under
#: sfkd's runner, which calls it
SET_PROGRESS_FIX = ("call model.set_progress(epoch, max_epochs, max_iters) before stepping the "
                    "model by hand, or train it under sfkd's runner (sfkd-train), whose "
                    'TrainingProgressHook sets them')


class Progress(NamedTuple):
    """The run's progress: ``epoch`` (0-based), and ``max_epochs`` and ``max_iters``
    (the schedule's length, ``None`` when unknown; an iteration-based loop counts as one
    epoch, as in MMEngine)."""

    epoch: int = 0
    max_epochs: Optional[int] = None
    max_iters: Optional[int] = None


#: the progress of a model no runner or caller has told anything: epoch 0, lengths unknown
NO_PROGRESS = Progress()


def _count(value, name: str, at_least: int, optional: bool) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < at_least:
        raise ValueError(f'set_progress: {name} must be an integer >= {at_least}'
                         f'{" or None" if optional else ""}, got {value!r}')
    return value


def set_progress(model: nn.Module, epoch: int, max_epochs: Optional[int] = None,
                 max_iters: Optional[int] = None) -> Progress:
    """Set the progress of ``model`` and of every :class:`ProgressAware` module inside it
    (a model with such parts need not be one itself); return the progress set."""
    progress = Progress(_count(epoch, 'epoch', 0, False),
                        _count(max_epochs, 'max_epochs', 1, True),
                        _count(max_iters, 'max_iters', 1, True))
    for module in model.modules():
        if isinstance(module, ProgressAware):
            module.progress = progress
    return progress


class ProgressAware:
    """Mixin for an ``nn.Module`` whose training step reads the run's progress.

    ``self.progress`` is a :class:`Progress`; it is not part of the state dict (a
    resumed run sets it again before its first step).
    """

    progress: Progress = NO_PROGRESS

    def set_progress(self, epoch: int, max_epochs: Optional[int] = None,
                     max_iters: Optional[int] = None) -> Progress:
        """Tell this model, and the progress-aware modules inside it, where the run is:
        ``epoch`` (0-based), ``max_epochs`` and ``max_iters`` (the schedule's length)."""
        return set_progress(self, epoch, max_epochs, max_iters)

"""SoTeacher's consistency regulariser: temporal ensembling of predictions."""
import math
from typing import Optional

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number
from sfkd.utils.shapes import describe

from ..training_progress import SET_PROGRESS_FIX
from .base import TeacherRegularizer

SCHEDULES = ('linear', 'step', 'cosine')


@MODELS.register_module()
class ConsistencyRegularizer(TeacherRegularizer):
    """Pulls each sample's prediction towards the mean of its past predictions.

    From SoTeacher (Dong et al., ICLR 2024, arXiv:2206.06661). A buffer
    ``ybar`` of shape ``(num_samples, num_classes)`` holds, for every training
    sample, the running mean of the teacher's softmax over epochs. For a batch
    with dataset indices ``i`` at epoch ``e`` (from 0)::

        term = w(e) * mean_n sum_c (softmax(f(x_n))_c - ybar[i_n, c]) ** 2
        ybar[i] <- (1 - 1/(1+e)) * ybar[i] + 1/(1+e) * softmax(f(x)).detach()

    The term uses ``ybar`` from before this step's update, and is off in epoch 0
    (there is no past prediction yet). ``ybar`` is a buffer, so it is saved in
    checkpoints and restored by ``--resume``. It is updated only in training
    mode. Under DDP each process updates the rows of its own samples.

    Weight schedules, with ``E = max_epochs`` and ``alpha = weight``:
    ``'linear'`` (the paper's) ``alpha * (e + 1) / E``; ``'step'`` ``alpha``
    from ``step_epoch`` on (default ``E // 2``), 0 before; ``'cosine'``
    ``alpha * (1 - cos(pi * (e + 1) / E)) / 2``.

    Args:
        num_samples: Size of the training set (indices run over it).
        num_classes: Number of classes (width of the output).
        schedule: ``'linear'``, ``'step'`` or ``'cosine'``.
        step_epoch: First epoch with a non-zero weight for ``'step'``.
        weight: ``alpha``, the final weight (1.0 in the paper's setting).
    """

    needs_index = True

    def __init__(self, num_samples: int, num_classes: int, schedule: str = 'linear',
                 step_epoch: Optional[int] = None, weight: float = 1.0) -> None:
        super().__init__(weight)
        if schedule not in SCHEDULES:
            raise BadConfigError(f'ConsistencyRegularizer schedule must be one of {SCHEDULES}, '
                             f'got {schedule!r}')
        self.schedule = schedule
        self.step_epoch = None if step_epoch is None else number(
            step_epoch, 'step_epoch', at_least=0, integer=True, why='an epoch, counted from 0')
        num_samples = number(num_samples, 'num_samples', at_least=1, integer=True,
                             why='the size of the training set')
        num_classes = number(num_classes, 'num_classes', at_least=1, integer=True,
                             why='the width of the teacher output')
        self.register_buffer('ybar', torch.zeros(num_samples, num_classes))

    def schedule_weight(self, epoch: int, max_epochs: Optional[int]) -> float:
        if epoch == 0:
            return 0.0
        if max_epochs is None and not (self.schedule == 'step' and self.step_epoch is not None):
            raise BadConfigError(
                f"ConsistencyRegularizer schedule={self.schedule!r} needs the run's max_epochs "
                f'at epoch {epoch}: {SET_PROGRESS_FIX}')
        if self.schedule == 'linear':
            return self.weight * (epoch + 1) / max_epochs
        if self.schedule == 'step':
            start = self.step_epoch if self.step_epoch is not None else max_epochs // 2
            return self.weight if epoch >= start else 0.0
        return self.weight * (1 - math.cos(math.pi * (epoch + 1) / max_epochs)) / 2

    def check_output(self, output, name, tap) -> None:
        """Refuse outputs without one class distribution per sample.

        A detector's score maps or a segmentor's logits have no per-sample target
        to ensemble over epochs: their positions move with the flips and crops
        of each epoch's augmentation, and a detector's anchors are matched to
        objects anew per step, so a running mean per sample and position would
        average unrelated pixels. The term is therefore defined for ``(N, C)``
        logits only.
        """
        ok = isinstance(output, torch.Tensor) and output.dim() == 2 \
            and output.shape[1] == self.ybar.shape[1]
        if not ok:
            raise BadConfigError(
                f'{name}: ConsistencyRegularizer needs one class distribution per sample, '
                f'(N, {self.ybar.shape[1]}) logits, but the teacher output {tap!r} is '
                f'{describe(output)}; a dense output has no per-sample target (its positions '
                'move with each epoch\'s flips and crops, so a running mean per position '
                'averages different pixels): use LipschitzRegularizer alone for detectors '
                'and segmentors, or tap (N, C) logits')

    def forward(self, teacher: nn.Module, output: Optional[torch.Tensor] = None,
                index: Optional[torch.Tensor] = None, epoch: int = 0,
                max_epochs: Optional[int] = None) -> torch.Tensor:
        if output is None or index is None:
            raise BadConfigError('ConsistencyRegularizer needs the teacher output and the sample '
                             'indices of the batch (data samples with sample_idx)')
        if output.dim() != 2 or output.shape[1] != self.ybar.shape[1]:
            raise BadConfigError(f'ConsistencyRegularizer expects (N, {self.ybar.shape[1]}) logits, '
                             f'got {tuple(output.shape)}')
        if int(index.max()) >= self.ybar.shape[0] or int(index.min()) < 0:
            raise BadConfigError(f'sample index {int(index.max())} outside the buffer of '
                             f'{self.ybar.shape[0]} samples: set num_samples to the size of '
                             'the training set')
        index = index.to(self.ybar.device).long()
        prob = output.softmax(dim=1)
        past = self.ybar[index]
        term = ((prob - past) ** 2).sum(dim=1).mean() * self.schedule_weight(epoch, max_epochs)
        if self.training:
            rate = 1.0 / (1 + epoch)
            self.ybar[index] = (1 - rate) * past + rate * prob.detach()
        return term

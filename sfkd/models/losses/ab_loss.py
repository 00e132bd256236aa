"""Distillation of activation boundaries with a margin-based hinge."""
from typing import Optional, Sequence

from torch import Tensor

from sfkd.registry import MODELS
from .utils import Features, check_same_shape, stage_pairs
from .base import DistillLoss

_REDUCTIONS = ('batchmean', 'mean')
#: the authors' factor on the summed loss (``loss_alter / 1000 * 3`` in their CIFAR code)
AUTHORS_WEIGHT = 3e-3


@MODELS.register_module()
class ABLoss(DistillLoss):
    """Activation-boundary transfer (the alternative squared hinge loss).

    "Knowledge Transfer via Distillation of Activation Boundaries Formed by
    Hidden Neurons", B. Heo, M. Lee, S. Yun and J. Y. Choi, AAAI 2019,
    arXiv:1811.03233.

    On pre-ReLU features ``s`` (student, after its connector) and ``t``
    (teacher) of the same shape, with margin ``m``, the elementwise loss is::

        (s + m)**2 * [s > -m and t <= 0] + (s - m)**2 * [s <= m and t > 0]

    It is zero where the student is on the teacher's side of the boundary by
    at least ``m``.

    The defaults give the authors' loss: ``reduction='batchmean'`` sums the
    elementwise loss and divides by the batch size, and ``loss_weight=3e-3``
    is their ``/ 1000 * 3`` factor (official code, github.com/bhheo/
    AB_distillation, ``cifar10_AB_distillation.py``; RepDistiller uses the
    same). ``reduction='mean'`` averages over all elements instead; it is
    ``1 / (C * H * W)`` of the batch mean, so ``loss_weight=1`` there is
    ``1000 / (3 * C * H * W)`` of the authors' scale, about 0.08x for a
    64 x 8 x 8 CIFAR stage. To restore the authors' scale under ``'mean'``,
    use ``loss_weight=3e-3 * C * H * W`` (exact for one stage; with several
    stages each is off by its own ``C * H * W``).

    A list of stages gives ``sum_i w_i * loss_i``; by default ``w_i =
    2**(i - n + 1)`` for stage ``i`` of ``n`` (the last stage has weight 1, each
    earlier one half the next), as in the authors' code. A single pair has
    weight 1. RepDistiller uses this loss only to initialise the student
    before training with cross-entropy. The teacher is detached.

    Args:
        margin: Margin ``m`` around the boundary. Defaults to 1.0.
        reduction: ``'batchmean'`` (the authors') or ``'mean'``. Defaults to
            ``'batchmean'``.
        stage_weights: Weights of the stages of a list input; ``None`` uses the
            geometric weights above. Defaults to None.
        loss_weight: Multiplier of the loss. Defaults to 3e-3, the authors'
            factor (with ``'batchmean'``).
    """

    def __init__(self, margin: float = 1.0, reduction: str = 'batchmean',
                 stage_weights: Optional[Sequence[float]] = None,
                 loss_weight: float = AUTHORS_WEIGHT) -> None:
        super().__init__(loss_weight=loss_weight)
        if reduction not in _REDUCTIONS:
            raise ValueError(f'ABLoss reduction must be one of {_REDUCTIONS}, got '
                             f"{reduction!r}; 'batchmean' is the authors' reduction")
        self.margin = float(margin)
        self.reduction = reduction
        self.stage_weights = None if stage_weights is None else [float(w) for w in stage_weights]

    def compute(self, student: Features, teacher: Features) -> Tensor:
        """Compute the unweighted activation-boundary loss.

        Args:
            student: Student pre-ReLU feature ``(N, ...)`` or a list of them.
            teacher: Teacher pre-ReLU feature of the same shape, or a list.

        Returns:
            Scalar loss tensor, a weighted sum over stages.
        """
        pairs = stage_pairs(student, teacher, 'ABLoss')
        weights = self._weights(len(pairs))
        return sum(w * self._stage_loss(s, t) for w, (s, t) in zip(weights, pairs))

    def _weights(self, num_stages: int) -> Sequence[float]:
        if self.stage_weights is None:
            return [2.0**(i - num_stages + 1) for i in range(num_stages)]
        if len(self.stage_weights) != num_stages:
            raise ValueError(f'ABLoss has {len(self.stage_weights)} stage weights '
                             f'but got {num_stages} stages')
        return self.stage_weights

    def _stage_loss(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_shape(student, teacher, 'ABLoss')
        m, teacher = self.margin, teacher.detach()
        # teacher inactive: push the student below -m; active: above +m
        off = (student + m).pow(2) * ((student > -m) & (teacher <= 0))
        on = (student - m).pow(2) * ((student <= m) & (teacher > 0))
        loss = off + on
        if self.reduction == 'mean':
            return loss.mean()
        return loss.sum() / student.shape[0]

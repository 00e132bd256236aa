"""Overhaul of feature distillation: partial L2 to a margin-clipped teacher."""
from typing import Sequence, Union

import torch
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_shape
from .base import DistillLoss


@MODELS.register_module()
class OFDLoss(DistillLoss):
    """Partial L2 distance of the overhaul of feature distillation.

    "A Comprehensive Overhaul of Feature Distillation", B. Heo, J. Kim,
    S. Yun, H. Park, N. Kwak and J. Y. Choi, ICCV 2019, arXiv:1904.01866.

    The student feature ``s`` (after its connector: 1x1 conv + BN) and the
    pre-ReLU teacher feature ``t`` have the same shape ``(N, C, H, W)`` (or
    ``(N, C)``). The teacher is clipped from below by the margin,
    ``T = max(t, m)``, and::

        loss = sum over elements with NOT (s <= T and T <= 0) of (s - T)**2
               / N

    i.e. positions where the teacher is inactive and the student already lies
    below it are ignored. This follows the authors' code, which divides the
    sum by the batch size and then by 1000 in the training loop (use
    ``loss_weight=1e-3`` to match). With several stages the authors weight
    stage ``i`` of ``n`` by ``2**(i - n + 1)``; build one ``OFDLoss`` per stage
    with those weights in ``loss_weight``.

    The margin is the expected value of the teacher's negative pre-ReLU
    responses, computed from the teacher's BN statistics and passed in here
    (sfkd has no component that computes it from a config yet). It is a
    scalar or a per-channel vector of length ``C`` and is stored as a buffer,
    so it is saved in checkpoints. The teacher is detached.

    Args:
        margin: Scalar or per-channel margins (a sequence or 1-D tensor).
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, margin: Union[float, Sequence[float], Tensor],
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        margin = torch.as_tensor(margin, dtype=torch.float32).detach().clone()
        if margin.dim() > 1:
            raise ValueError(f'OFDLoss margin must be a scalar or a per-channel '
                             f'vector, got shape {tuple(margin.shape)}')
        self.register_buffer('margin', margin)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted partial L2 loss.

        Args:
            student: Student feature ``(N, C, ...)`` after its connector.
            teacher: Teacher pre-ReLU feature of the same shape.

        Returns:
            Scalar loss tensor (sum over elements divided by ``N``).
        """
        check_same_shape(student, teacher, 'OFDLoss',
                         hint='; map the student with a connector first')
        target = torch.maximum(teacher.detach(), self._broadcast_margin(student))
        keep = (student > target) | (target > 0)
        sq_err = (student - target).pow(2)
        return torch.where(keep, sq_err, torch.zeros_like(sq_err)).sum() / student.shape[0]

    def _broadcast_margin(self, student: Tensor) -> Tensor:
        margin = self.margin.to(student.dtype)
        if margin.dim() == 0:
            return margin
        if student.dim() < 2 or student.shape[1] != margin.numel():
            raise ValueError(f'OFDLoss has {margin.numel()} per-channel margins but the '
                             f'student feature has shape {tuple(student.shape)}')
        return margin.view(1, -1, *([1] * (student.dim() - 2)))

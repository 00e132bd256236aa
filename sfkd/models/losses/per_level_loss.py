"""Apply a one-map distill loss to every level of a multi-level output.

``PerLevelLoss`` was called ``MultiLevelLoss``; that name stays registered for
existing configs (with a deprecation warning). It is a wrapper, not MLKD
(Multi-Level Logit Distillation, Jin et al., CVPR 2023), which sfkd does not ship.
"""
import warnings
from typing import Optional, Sequence

import torch
from torch import Tensor

from sfkd.registry import MODELS

from .base import DistillLoss


@MODELS.register_module()
class PerLevelLoss(DistillLoss):
    """Calls ``loss`` once per level of two sequences of maps and adds the terms.

    Dense models return tuples or lists of maps, one per level: FPN features,
    a detection head's score maps (``bbox_head.forward`` returns
    ``(cls_scores, bbox_preds)``), multi-scale logits. This wrapper lets a loss
    written for one map (CWD, KL, MSE) compare them level by level::

        dict(type='PerLevelLoss', loss=dict(type='ChannelWiseDivergence', tau=1.0))

    Args:
        loss: Config of the per-level loss (a :class:`DistillLoss`).
        levels: Indices of the levels to use; all levels by default.
        reduction: ``'sum'`` (default) or ``'mean'`` over the levels.
        loss_weight: Multiplier of the total.
    """

    def __init__(self, loss: dict, levels: Optional[Sequence[int]] = None,
                 reduction: str = 'sum', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if reduction not in ('sum', 'mean'):
            raise ValueError(f"PerLevelLoss reduction must be 'sum' or 'mean', got {reduction!r}")
        self.loss = MODELS.build(loss)
        if not isinstance(self.loss, DistillLoss):
            raise ValueError(f'PerLevelLoss.loss must be a distill loss, got '
                             f'{type(self.loss).__name__}')
        self.levels = None if levels is None else [int(i) for i in levels]
        self.reduction = reduction

    def compute(self, student: Sequence[Tensor], teacher: Sequence[Tensor]) -> Tensor:
        """Sum (or average) ``loss(student[i], teacher[i])`` over the chosen levels.

        Args:
            student: Student maps, one per level.
            teacher: Teacher maps, as many as the student's.

        Returns:
            Scalar loss tensor.
        """
        for name, value in (('student', student), ('teacher', teacher)):
            if not isinstance(value, (list, tuple)):
                raise ValueError(f'PerLevelLoss expects a sequence of maps as {name}, got a '
                                 f'{type(value).__name__}; route one map to the inner loss '
                                 'directly instead')
        if len(student) != len(teacher):
            raise ValueError(f'{len(student)} student levels but {len(teacher)} teacher levels')
        levels = range(len(student)) if self.levels is None else self.levels
        terms = [self.loss(student[i], teacher[i]) for i in levels]
        total = torch.stack(terms).sum()
        return total / len(terms) if self.reduction == 'mean' else total


@MODELS.register_module(name='MultiLevelLoss')
class MultiLevelLoss(PerLevelLoss):
    """The former name of :class:`PerLevelLoss`: builds it, with a one-line deprecation
    warning naming the new type."""

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn("type='MultiLevelLoss' is now type='PerLevelLoss' (a per-level wrapper, "
                      'not MLKD); the old name will be removed', DeprecationWarning, stacklevel=2)
        super().__init__(*args, **kwargs)

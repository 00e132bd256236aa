"""The base class and the one forward signature shared by every distill loss."""
import inspect
from typing import Any, FrozenSet, Optional

import torch
from torch import nn

from sfkd.utils.options import number


class DistillLoss(nn.Module):
    """Base of every distill loss.

    Every loss is called the same way::

        loss = loss_module(student, teacher, **extra)

    ``student`` and ``teacher`` are the two records being compared (logits,
    feature maps, or sequences of them). ``extra`` carries named side inputs
    that some losses need, such as ``target`` (ground-truth labels) or
    ``index`` (sample indices for memory banks). Subclasses implement
    :meth:`compute` and declare their side inputs as its keyword arguments,
    which is what the distiller checks config mappings against.

    ``algorithm`` names the registered algorithm whose training step a loss
    needs (``None``: any :class:`~sfkd.models.algorithms.Distiller`); a
    distiller of another type refuses the loss when it is built, naming it.

    Args:
        loss_weight: Multiplier applied to the value :meth:`compute` returns.
    """

    algorithm: Optional[str] = None

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = number(loss_weight, 'loss_weight')

    def forward(self, student: Any, teacher: Any, **extra: Any) -> torch.Tensor:
        unknown = set(extra) - self.extra_inputs()
        if unknown:
            raise TypeError(
                f'{type(self).__name__} got unexpected input(s) {sorted(unknown)}; '
                f'it accepts student, teacher and {sorted(self.extra_inputs()) or "nothing else"}')
        return self.loss_weight * self.compute(student, teacher, **extra)

    def compute(self, student: Any, teacher: Any, **extra: Any) -> torch.Tensor:
        """Return the unweighted loss value."""
        raise NotImplementedError

    @classmethod
    def extra_inputs(cls) -> FrozenSet[str]:
        """Names of the side inputs :meth:`compute` accepts besides student/teacher."""
        params = inspect.signature(cls.compute).parameters
        return frozenset(n for n, p in params.items()
                         if n not in ('self', 'student', 'teacher')
                         and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))

    @classmethod
    def input_names(cls) -> FrozenSet[str]:
        """Every argument name a config mapping may route a record into."""
        return cls.extra_inputs() | {'student', 'teacher'}

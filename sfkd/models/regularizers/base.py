"""The base class of teacher regularisers (SoTeacher's terms and the like)."""
from typing import Any, Optional

import torch
from torch import nn

from sfkd.utils.options import number


class TeacherRegularizer(nn.Module):
    """A term added to a teacher's training loss.

    Every regulariser is called the same way::

        term = reg(teacher, output, index=index, epoch=e, max_epochs=E)

    The call's arguments:

    - ``teacher``: the teacher model being trained;
    - ``output``: the teacher's imitated output for the batch (e.g. logits);
    - ``index``: dataset indices of the batch's samples, ``(N,)``;
    - ``epoch``: current epoch, from 0;
    - ``max_epochs``: length of the schedule in epochs; ``None`` when the caller
      does not know it (a term that needs it then says so).

    A teacher algorithm (SFTN, SoTeacher) passes its own progress (set by sfkd's
    ``TrainingProgressHook``, see :mod:`sfkd.models.training_progress`); a term
    that needs more of it mixes in :class:`ProgressAware`, and the teacher's
    ``set_progress`` reaches it.

    Args:
        weight: Multiplier of the term.
    """

    #: whether the call needs ``index`` (the batch's dataset indices)
    needs_index = False

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = number(weight, 'weight', at_least=0,
                             why='a negative weight rewards what the term penalises')

    def check_output(self, output: Any, name: str, tap: Any) -> None:
        """Raise :class:`BadConfigError` if ``output`` (a dry-run teacher output,
        recorded by ``tap``) is not something this term is defined for."""

    def forward(self, teacher: nn.Module, output: Optional[torch.Tensor] = None,
                index: Optional[torch.Tensor] = None, epoch: int = 0,
                max_epochs: Optional[int] = None) -> torch.Tensor:
        raise NotImplementedError

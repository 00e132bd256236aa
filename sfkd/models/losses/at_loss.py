"""Attention transfer, plus the pairing and resizing helpers feature losses share."""
from typing import List, Sequence, Tuple, Union

import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .base import DistillLoss

Features = Union[Tensor, Sequence[Tensor]]


def stage_pairs(student: Features, teacher: Features,
                loss_name: str) -> List[Tuple[Tensor, Tensor]]:
    """Pair student and teacher records stage by stage.

    Args:
        student: One tensor, or a list/tuple of tensors (one per stage).
        teacher: The same kind of record as ``student``, of the same length.
        loss_name: Name used in error messages.

    Returns:
        A list of ``(student, teacher)`` tensor pairs.
    """
    if isinstance(student, Tensor) and isinstance(teacher, Tensor):
        return [(student, teacher)]
    if isinstance(student, (list, tuple)) and isinstance(teacher, (list, tuple)):
        if len(student) != len(teacher) or not student:
            raise ValueError(f'{loss_name} needs as many student as teacher stages '
                             f'(at least one), got {len(student)} and {len(teacher)}')
        return list(zip(student, teacher))
    raise TypeError(f'{loss_name} takes two tensors or two lists of tensors, got '
                    f'{type(student).__name__} and {type(teacher).__name__}')


def check_same_batch(student: Tensor, teacher: Tensor, loss_name: str,
                     ndim: Union[int, Tuple[int, ...], None] = None) -> None:
    """Raise ValueError unless both tensors share the batch size (and rank).

    Args:
        student: Student tensor, batch first.
        teacher: Teacher tensor, batch first.
        loss_name: Name used in error messages.
        ndim: Allowed rank(s); ``None`` allows any rank of at least 2.
    """
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    for name, x in (('student', student), ('teacher', teacher)):
        if x.dim() < 2 or (allowed is not None and x.dim() not in allowed):
            ranks = 'at least 2' if allowed is None else ' or '.join(map(str, allowed))
            raise ValueError(f'{loss_name} expects a {name} tensor of rank {ranks}, '
                             f'got shape {tuple(x.shape)}')
    if student.shape[0] != teacher.shape[0]:
        raise ValueError(f'{loss_name} needs the same batch size, got student '
                         f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}')


def check_same_shape(student: Tensor, teacher: Tensor, loss_name: str,
                     hint: str = '') -> None:
    """Raise ValueError naming both shapes unless they are equal."""
    if student.shape != teacher.shape:
        raise ValueError(f'{loss_name} needs student and teacher of the same shape, got '
                         f'student {tuple(student.shape)} and teacher '
                         f'{tuple(teacher.shape)}{hint}')


def pool_to_common_size(student: Tensor, teacher: Tensor) -> Tuple[Tensor, Tensor]:
    """Adaptive-average-pool ``(N, C, H, W)`` maps to their smallest common size.

    RepDistiller pools the larger of the two maps down to the smaller one
    before comparing them; this does the same per spatial dimension.

    Args:
        student: Student map ``(N, Cs, Hs, Ws)``.
        teacher: Teacher map ``(N, Ct, Ht, Wt)``.

    Returns:
        Both maps with spatial size ``(min(Hs, Ht), min(Ws, Wt))``.
    """
    if student.shape[2:] == teacher.shape[2:]:
        return student, teacher
    size = tuple(min(a, b) for a, b in zip(student.shape[2:], teacher.shape[2:]))
    if tuple(student.shape[2:]) != size:
        student = F.adaptive_avg_pool2d(student, size)
    if tuple(teacher.shape[2:]) != size:
        teacher = F.adaptive_avg_pool2d(teacher, size)
    return student, teacher


@MODELS.register_module()
class ATLoss(DistillLoss):
    """Activation-based attention transfer.

    "Paying More Attention to Attention: Improving the Performance of
    Convolutional Neural Networks via Attention Transfer", S. Zagoruyko and
    N. Komodakis, ICLR 2017, arXiv:1612.03928.

    The attention map of a feature ``f`` of shape ``(N, C, H, W)`` is
    ``a = normalize(mean_c |f|**p)`` flattened to ``(N, H*W)`` and L2-normalised
    per sample. The loss of one stage is ``mean((a_s - a_t)**2)`` over the batch
    and the ``H*W`` positions, the reduction RepDistiller uses (the paper's
    ``beta/2 * ||a_s - a_t||_2`` is replaced by a mean of squares; RepDistiller
    weights it by ``beta = 1000``, which is ``loss_weight`` here). Lists of maps
    (several stages) give the sum over the stage pairs.

    Channels may differ between student and teacher. If the spatial sizes
    differ, the larger map is adaptive-average-pooled to the smaller size, as
    in RepDistiller. The teacher is detached.

    Args:
        p: Power applied to the absolute activations. Defaults to 2.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, p: float = 2.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.p = float(p)

    def attention(self, feature: Tensor) -> Tensor:
        """Return the L2-normalised spatial attention map ``(N, H*W)``."""
        return F.normalize(feature.abs().pow(self.p).mean(1).flatten(1), dim=1)

    def compute(self, student: Features, teacher: Features) -> Tensor:
        """Compute the unweighted attention-transfer loss.

        Args:
            student: Student map ``(N, Cs, H, W)`` or a list of maps.
            teacher: Teacher map ``(N, Ct, H', W')`` or a list of as many maps.

        Returns:
            Scalar loss tensor, summed over stages.
        """
        return sum(self._stage_loss(s, t)
                   for s, t in stage_pairs(student, teacher, 'ATLoss'))

    def _stage_loss(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_batch(student, teacher, 'ATLoss', ndim=4)
        student, teacher = pool_to_common_size(student, teacher.detach())
        return (self.attention(student) - self.attention(teacher)).pow(2).mean()

"""Helpers shared by the feature losses: stage pairing, shape checks, pooling."""
from typing import List, Sequence, Tuple, Union

import torch.nn.functional as F
from torch import Tensor

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

"""Normalized KD: the teacher's target probability plus a normalised non-target KD."""
import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.options import number
from .base import DistillLoss


def class_labels(target: Tensor, logits: Tensor, name: str = 'target') -> Tensor:
    """``target`` as ``(N,)`` integer class indices for ``(N, K)`` ``logits``, or a ValueError."""
    if logits.dim() != 2 or logits.shape[1] < 2:
        raise ValueError(f'logits must be (N, K) with K >= 2, got {tuple(logits.shape)}')
    labels = target.reshape(-1)
    if labels.shape[0] != logits.shape[0] or labels.is_floating_point():
        raise ValueError(f'{name} must be the class labels (N,) = ({logits.shape[0]},) as '
                         f"integers (route it from 'data.gt_label'), got {target.dtype} "
                         f'{tuple(target.shape)}')
    return labels.long()


def non_target(values: Tensor, labels: Tensor) -> Tensor:
    """The ``(N, K - 1)`` entries of ``(N, K)`` ``values`` off each row's label, in class order."""
    keep = torch.ones_like(values, dtype=torch.bool).scatter_(1, labels.view(-1, 1), False)
    return values[keep].view(values.shape[0], values.shape[1] - 1)


@MODELS.register_module()
class NKDLoss(DistillLoss):
    """Normalized Knowledge Distillation (NKD).

    "From Knowledge Distillation to Self-Knowledge Distillation: A Unified
    Approach with Normalized Loss and Customized Soft Labels", Z. Yang,
    A. Zeng, Z. Li, T. Zhang, C. Yuan and Y. Li, ICCV 2023, arXiv:2303.13005.

    KD's cross-entropy to the teacher splits into a target term and a
    non-target term, and the non-target probabilities of student and teacher
    sum to different values (``1 - S_t`` and ``1 - T_t``). NKD normalises each
    side's non-target probabilities to sum to one, ``N(p_i) = p_i / sum_{j !=
    t} p_j`` (the softmax over the non-target logits alone), and keeps the
    target term at temperature 1. With the label ``t`` of each sample::

        loss = mean_n [ -T_t * log S_t
                        - gamma * tau**2 * sum_{i != t} N(T^tau)_i * log N(S^tau)_i ]

    where ``S = softmax(s)``, ``T = softmax(t)``, and ``S^tau``, ``T^tau``
    are the softmaxes at temperature ``tau``. The teacher is detached. The
    paper trains with the task loss beside it, ``L = CE + L_NKD`` (a
    ``student_loss_weight`` of 1).

    Inputs are logits ``(N, K)``; ``target`` holds class indices ``(N,)``.

    Args:
        tau: Temperature of the non-target term. Defaults to 1, the authors'
            ImageNet setting.
        gamma: Weight of the non-target term. Defaults to 1.5, the authors'
            ImageNet setting.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, gamma: float = 1.5, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')
        self.gamma = number(gamma, 'gamma', at_least=0, why='the weight of the non-target term')

    def compute(self, student: Tensor, teacher: Tensor, target: Tensor) -> Tensor:
        """Compute the unweighted NKD loss.

        Args:
            student: Student logits ``(N, K)``.
            teacher: Teacher logits ``(N, K)``.
            target: Ground-truth class indices ``(N,)``.

        Returns:
            Scalar loss tensor.
        """
        if student.shape != teacher.shape:
            raise ValueError(f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)} logits differ in shape')
        labels = class_labels(target, student)
        teacher = teacher.detach()
        index = labels.view(-1, 1)
        log_s_t = F.log_softmax(student, dim=1).gather(1, index).squeeze(1)
        t_t = F.softmax(teacher, dim=1).gather(1, index).squeeze(1)
        target_term = -(t_t * log_s_t).mean()

        log_ns = F.log_softmax(non_target(student, labels) / self.tau, dim=1)
        nt = F.softmax(non_target(teacher, labels) / self.tau, dim=1)
        non_target_term = -(nt * log_ns).sum(dim=1).mean()
        return target_term + self.gamma * self.tau**2 * non_target_term

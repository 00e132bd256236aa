"""Variational information distillation with a Gaussian teacher likelihood."""
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sfkd.registry import MODELS
from .utils import check_same_batch, pool_to_common_size
from .base import DistillLoss


def _conv1x1(in_channels: int, out_channels: int) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)


@MODELS.register_module()
class VIDLoss(DistillLoss):
    """Variational information distillation.

    "Variational Information Distillation for Knowledge Transfer", S. Ahn,
    S. X. Hu, A. Damianou, N. D. Lawrence and Z. Dai, CVPR 2019,
    arXiv:1904.05835.

    The teacher feature ``t`` is modelled as a Gaussian whose mean ``mu`` is
    regressed from the student feature by three 1x1 convolutions
    (``student_channels -> mid_channels -> mid_channels -> teacher_channels``
    with ReLUs in between, no biases) and whose variance is one learned value
    per teacher channel, ``var = softplus(alpha) + eps``, initialised to
    ``init_pred_var``. The loss is the Gaussian negative log-likelihood without
    its constant, ``mean(0.5 * ((mu - t)**2 / var + log(var)))`` over batch,
    channels and positions. It is not zero when ``mu == t`` (the ``log var``
    term remains) and can be negative.

    Inputs are maps ``(N, C, H, W)`` or vectors ``(N, C)`` (treated as 1x1
    maps). If spatial sizes differ, the larger map is adaptive-average-pooled
    to the smaller size, as in RepDistiller. The teacher is detached.

    Args:
        student_channels: Channels of the student feature.
        mid_channels: Channels of the regressor's hidden layers.
        teacher_channels: Channels of the teacher feature.
        init_pred_var: Initial variance of every channel. Defaults to 5.0.
        eps: Floor added to the variance. Defaults to 1e-5.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, student_channels: int, mid_channels: int, teacher_channels: int,
                 init_pred_var: float = 5.0, eps: float = 1e-5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if init_pred_var <= eps:
            raise ValueError(f'init_pred_var ({init_pred_var}) must exceed eps ({eps})')
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.eps = float(eps)
        self.regressor = nn.Sequential(
            _conv1x1(student_channels, mid_channels), nn.ReLU(),
            _conv1x1(mid_channels, mid_channels), nn.ReLU(),
            _conv1x1(mid_channels, teacher_channels))
        # inverse softplus, so that softplus(alpha) + eps == init_pred_var
        alpha = math.log(math.expm1(init_pred_var - eps))
        self.alpha = nn.Parameter(torch.full((teacher_channels,), alpha))

    def pred_var(self) -> Tensor:
        """Return the per-channel variance ``(teacher_channels,)``."""
        return F.softplus(self.alpha) + self.eps

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted VID loss.

        Args:
            student: Student feature ``(N, student_channels[, H, W])``.
            teacher: Teacher feature ``(N, teacher_channels[, H', W'])``.

        Returns:
            Scalar loss tensor.
        """
        check_same_batch(student, teacher, 'VIDLoss', ndim=(2, 4))
        self._check_channels(student, teacher)
        student, teacher = (x[..., None, None] if x.dim() == 2 else x
                            for x in (student, teacher.detach()))
        student, teacher = pool_to_common_size(student, teacher)
        mean = self.regressor(student)
        var = self.pred_var().view(1, -1, 1, 1)
        return (0.5 * ((mean - teacher).pow(2) / var + var.log())).mean()

    def _check_channels(self, student: Tensor, teacher: Tensor) -> None:
        if (student.shape[1], teacher.shape[1]) != (self.student_channels,
                                                    self.teacher_channels):
            raise ValueError(
                f'VIDLoss was built for {self.student_channels} student and '
                f'{self.teacher_channels} teacher channels, got student '
                f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}')

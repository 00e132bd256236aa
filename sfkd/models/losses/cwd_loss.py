"""Channel-wise distillation: match per-channel spatial distributions."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.options import number
from .base import DistillLoss


@MODELS.register_module()
class ChannelWiseDivergence(DistillLoss):
    """Channel-wise Distillation (CWD).

    "Channel-wise Knowledge Distillation for Dense Prediction", C. Shu,
    Y. Liu, J. Gao, Z. Yan and C. Shen, ICCV 2021, arXiv:2011.13256.

    Each channel of an ``(N, C, H, W)`` map is turned into a distribution over
    its ``H * W`` positions by ``softmax(x / tau)``; the loss is
    ``tau**2 / (N * C) * sum_{n,c} KL(teacher_{n,c} || student_{n,c})``.
    The teacher is detached.

    MMRazor's reproductions use ``tau=1`` with ``loss_weight=3`` on
    segmentation logits and ``loss_weight=10`` on detector FPN features.

    Args:
        tau: Softmax temperature. Defaults to 1.0.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted CWD loss.

        Args:
            student: Student map ``(N, C, H, W)``.
            teacher: Teacher map of the same shape.

        Returns:
            Scalar loss tensor.
        """
        if student.shape != teacher.shape or student.dim() != 4:
            raise ValueError('expected two (N, C, H, W) maps of one shape, got '
                             f'{tuple(student.shape)} and {tuple(teacher.shape)}')
        n, c = student.shape[:2]
        s = student.flatten(2) / self.tau
        t = teacher.detach().flatten(2) / self.tau
        kl = F.kl_div(F.log_softmax(s, dim=2), F.log_softmax(t, dim=2),
                      reduction='sum', log_target=True)
        return kl * self.tau**2 / (n * c)

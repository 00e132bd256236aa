"""Neuron selectivity transfer: MMD between channel activation patterns."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import Features, check_same_batch, pool_to_common_size, stage_pairs
from .base import DistillLoss


@MODELS.register_module()
class NSTLoss(DistillLoss):
    """Neuron selectivity transfer with a polynomial-kernel MMD.

    "Like What You Like: Knowledge Distill via Neuron Selectivity Transfer",
    Z. Huang and N. Wang, arXiv:1707.01219, 2017.

    Each channel of a map ``(N, C, H, W)`` is a sample ``f_c`` of ``H*W``
    activations, L2-normalised over positions. With the kernel
    ``k(x, y) = (x . y + c)**d``, the loss per image is the squared MMD::

        mean_{i,j} k(t_i, t_j) + mean_{i,j} k(s_i, s_j) - 2 mean_{i,j} k(s_i, t_j)

    averaged over the batch; the paper's kernel has ``d = 2``, ``c = 0``.
    Lists of maps (several stages) give the sum over the stage pairs, as in
    RepDistiller, which weights this loss by 50.

    Channels may differ. If spatial sizes differ, the larger map is
    adaptive-average-pooled to the smaller size, as in RepDistiller. The
    teacher is detached.

    Args:
        degree: Degree ``d`` of the polynomial kernel. Defaults to 2.
        bias: Constant ``c`` of the polynomial kernel. Defaults to 0.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, degree: int = 2, bias: float = 0.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.degree = int(degree)
        self.bias = float(bias)

    def kernel_mean(self, a: Tensor, b: Tensor) -> Tensor:
        """Mean of ``k(a_i, b_j)`` over images and channel pairs.

        Args:
            a: Normalised channels ``(N, Ca, P)``.
            b: Normalised channels ``(N, Cb, P)``.
        """
        return (a @ b.transpose(1, 2) + self.bias).pow(self.degree).mean()

    def compute(self, student: Features, teacher: Features) -> Tensor:
        """Compute the unweighted NST loss.

        Args:
            student: Student map ``(N, Cs, H, W)`` or a list of maps.
            teacher: Teacher map ``(N, Ct, H', W')`` or a list of as many maps.

        Returns:
            Scalar loss tensor, summed over stages.
        """
        return sum(self._stage_loss(s, t)
                   for s, t in stage_pairs(student, teacher, 'NSTLoss'))

    def _stage_loss(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_batch(student, teacher, 'NSTLoss', ndim=4)
        student, teacher = pool_to_common_size(student, teacher.detach())
        s = F.normalize(student.flatten(2), dim=2)
        t = F.normalize(teacher.flatten(2), dim=2)
        return self.kernel_mean(t, t) + self.kernel_mean(s, s) - 2 * self.kernel_mean(s, t)

"""Attention transfer (Zagoruyko & Komodakis, ICLR 2017)."""

import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS

from .base import DistillLoss
from .utils import Features, check_same_batch, pool_to_common_size, stage_pairs


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

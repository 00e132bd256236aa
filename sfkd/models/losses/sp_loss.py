"""Similarity-preserving distillation on batch Gram matrices."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import Features, check_same_batch, stage_pairs
from .base import DistillLoss


@MODELS.register_module()
class SPLoss(DistillLoss):
    """Similarity-preserving knowledge distillation.

    "Similarity-Preserving Knowledge Distillation", F. Tung and G. Mori,
    ICCV 2019, arXiv:1907.09682.

    Each feature is flattened to ``Q`` of shape ``(N, D)``; its batch Gram
    matrix ``G = Q Q^T`` of shape ``(N, N)`` is L2-normalised row by row. The
    loss of one stage is ``||G_s - G_t||_F**2 / N**2``. Lists of features
    (several stages) give the sum over the stage pairs, as in RepDistiller,
    which weights this loss by 3000.

    Only the batch size must match; channels and spatial sizes may differ. The
    teacher is detached.

    Args:
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def compute(self, student: Features, teacher: Features) -> Tensor:
        """Compute the unweighted similarity-preserving loss.

        Args:
            student: Student feature ``(N, ...)`` or a list of features.
            teacher: Teacher feature ``(N, ...)`` or a list of as many.

        Returns:
            Scalar loss tensor, summed over stages.
        """
        return sum(self._stage_loss(s, t)
                   for s, t in stage_pairs(student, teacher, 'SPLoss'))

    @staticmethod
    def gram(feature: Tensor) -> Tensor:
        """Return the row-normalised batch similarity matrix ``(N, N)``."""
        flat = feature.flatten(1)
        return F.normalize(flat @ flat.t(), dim=1)

    def _stage_loss(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_batch(student, teacher, 'SPLoss')
        n = student.shape[0]
        diff = self.gram(student) - self.gram(teacher.detach())
        return diff.pow(2).sum() / (n * n)

"""Probabilistic knowledge transfer with a cosine-similarity kernel."""
import torch
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_batch
from .base import DistillLoss


@MODELS.register_module()
class PKTLoss(DistillLoss):
    """Probabilistic knowledge transfer.

    "Learning Deep Representations with Probabilistic Knowledge Transfer",
    N. Passalis and A. Tefas, ECCV 2018, arXiv:1803.10837.

    Embeddings ``(N, D)`` (maps are flattened) are divided by their L2 norm
    plus ``eps``; the cosine kernel is mapped to ``[0, 1]`` by
    ``K = (cos + 1) / 2`` and each row is normalised into conditional
    probabilities ``P[i, j] = K[i, j] / sum_j K[i, j]``. The loss is
    ``mean_{i,j} P_t[i, j] * log((P_t[i, j] + eps) / (P_s[i, j] + eps))``,
    i.e. the KL divergence of the authors' code, averaged over all ``N**2``
    entries (RepDistiller weights it by 30000). Student and teacher widths may
    differ. The teacher is detached.

    Args:
        eps: Stabiliser of the norms and the logarithm. Defaults to 1e-7.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, eps: float = 1e-7, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.eps = float(eps)

    def conditional_probabilities(self, embedding: Tensor) -> Tensor:
        """Return the row-stochastic cosine-kernel matrix ``(N, N)``."""
        flat = embedding.flatten(1)
        unit = flat / (flat.norm(dim=1, keepdim=True) + self.eps)
        kernel = (unit @ unit.t() + 1) / 2
        return kernel / kernel.sum(dim=1, keepdim=True)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted PKT loss.

        Args:
            student: Student embedding ``(N, Ds)`` or map ``(N, ...)``.
            teacher: Teacher embedding ``(N, Dt)`` or map ``(N, ...)``.

        Returns:
            Scalar loss tensor.
        """
        check_same_batch(student, teacher, 'PKTLoss')
        p_s = self.conditional_probabilities(student)
        p_t = self.conditional_probabilities(teacher.detach())
        return (p_t * torch.log((p_t + self.eps) / (p_s + self.eps))).mean()

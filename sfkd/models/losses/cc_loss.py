"""Correlation congruence between batch correlation matrices of embeddings."""
import math

import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_batch
from .base import DistillLoss


@MODELS.register_module()
class CCLoss(DistillLoss):
    """Correlation congruence with the Taylor-expanded Gaussian RBF kernel.

    "Correlation Congruence for Knowledge Distillation", B. Peng, X. Jin,
    J. Liu, S. Zhou, Y. Wu, Y. Liu, D. Li and Z. Zhang, ICCV 2019,
    arXiv:1904.01802.

    Embeddings ``(N, D)`` (maps are flattened) are L2-normalised, so that
    ``exp(-gamma * ||x - y||**2) = exp(-2 gamma) * exp(2 gamma x.y)``; the
    second factor is replaced by its Taylor series up to ``max_order``::

        C[i, j] = sum_{p=0..P} exp(-2 gamma) (2 gamma)**p / p! * (x_i . x_j)**p

    The loss is ``||C_s - C_t||_F**2 / N**2`` (the paper's Eq. 5, with the
    paper's ``gamma = 0.4`` and ``P = 2``).

    This is the kernel form of the paper, not RepDistiller's ``Correlation``
    (``mean_i sum_d |s - t|_i,d * |s - t|_{i+1},d``), which compares
    neighbouring samples only. torchdistill uses the unsquared Frobenius norm;
    here the norm is squared, as in the paper. The embedding widths of student
    and teacher may differ; only the batch size must match. The teacher is
    detached.

    Args:
        gamma: RBF kernel parameter. Defaults to 0.4.
        max_order: Highest order ``P`` of the Taylor expansion. Defaults to 2.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, gamma: float = 0.4, max_order: int = 2,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if max_order < 0:
            raise ValueError(f'max_order must be >= 0, got {max_order}')
        self.gamma = float(gamma)
        self.max_order = int(max_order)

    def correlation(self, embedding: Tensor) -> Tensor:
        """Return the approximate RBF correlation matrix ``(N, N)``."""
        unit = F.normalize(embedding.flatten(1), dim=1)
        cosine = unit @ unit.t()
        series = torch.ones_like(cosine)
        for p in range(1, self.max_order + 1):
            series = series + (2 * self.gamma)**p / math.factorial(p) * cosine.pow(p)
        return math.exp(-2 * self.gamma) * series

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted correlation-congruence loss.

        Args:
            student: Student embedding ``(N, Ds)`` or map ``(N, ...)``.
            teacher: Teacher embedding ``(N, Dt)`` or map ``(N, ...)``.

        Returns:
            Scalar loss tensor.
        """
        check_same_batch(student, teacher, 'CCLoss')
        diff = self.correlation(student) - self.correlation(teacher.detach())
        return diff.pow(2).mean()

"""Relational knowledge distillation: pairwise distances and triplet angles."""
import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_batch
from .base import DistillLoss


def pairwise_distances(embedding: Tensor, eps: float = 1e-12) -> Tensor:
    """Return the Euclidean distance matrix ``(N, N)`` with a zero diagonal.

    Squared distances are clamped at ``eps`` before the square root so that
    coinciding samples do not give infinite gradients.
    """
    sq_norm = embedding.pow(2).sum(1)
    sq_dist = sq_norm[:, None] + sq_norm[None, :] - 2 * embedding @ embedding.t()
    dist = sq_dist.clamp(min=eps).sqrt()
    off_diagonal = 1 - torch.eye(len(embedding), dtype=dist.dtype, device=dist.device)
    return dist * off_diagonal


def triplet_angles(embedding: Tensor) -> Tensor:
    """Return ``cos`` of every angle ``x_j - x_i - x_k`` flattened to ``(N**3,)``.

    Entry ``(i, j, k)`` is ``<e_ij, e_ik>`` with ``e_ij`` the unit vector from
    ``x_i`` to ``x_j``; degenerate entries (``j == i`` or ``k == i``) are 0.
    """
    unit = F.normalize(embedding[None, :, :] - embedding[:, None, :], dim=2)
    return torch.bmm(unit, unit.transpose(1, 2)).flatten()


@MODELS.register_module()
class RKDLoss(DistillLoss):
    """Relational knowledge distillation (distance and angle losses).

    "Relational Knowledge Distillation", W. Park, D. Kim, Y. Lu and M. Cho,
    CVPR 2019, arXiv:1904.05068.

    Inputs are embeddings ``(N, D)``; maps are flattened. The distance loss is
    the smooth L1 loss (mean over the ``N**2`` entries, diagonal included)
    between the pairwise distance matrices, each divided by the mean of its
    non-zero entries. The angle loss is the smooth L1 loss (mean over the
    ``N**3`` entries) between the cosines of all triplet angles. The loss is
    ``w_d * distance + w_a * angle``. Student and teacher widths may differ;
    the batch needs at least two samples. The teacher is detached.

    Args:
        w_d: Weight of the distance loss. Defaults to 25.
        w_a: Weight of the angle loss. Defaults to 50.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, w_d: float = 25.0, w_a: float = 50.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.w_d = float(w_d)
        self.w_a = float(w_a)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted RKD loss.

        Args:
            student: Student embedding ``(N, Ds)`` or map ``(N, ...)``.
            teacher: Teacher embedding ``(N, Dt)`` or map ``(N, ...)``.

        Returns:
            Scalar loss tensor.
        """
        check_same_batch(student, teacher, 'RKDLoss')
        if student.shape[0] < 2:
            raise ValueError(f'RKDLoss needs at least two samples, got student '
                             f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}')
        student, teacher = student.flatten(1), teacher.detach().flatten(1)
        loss = student.new_zeros(())
        if self.w_d:
            loss = loss + self.w_d * self.distance_loss(student, teacher)
        if self.w_a:
            loss = loss + self.w_a * self.angle_loss(student, teacher)
        return loss

    @staticmethod
    def distance_loss(student: Tensor, teacher: Tensor) -> Tensor:
        """Smooth L1 between mean-normalised distance matrices."""
        d_s, d_t = pairwise_distances(student), pairwise_distances(teacher)
        return F.smooth_l1_loss(d_s / d_s[d_s > 0].mean(), d_t / d_t[d_t > 0].mean())

    @staticmethod
    def angle_loss(student: Tensor, teacher: Tensor) -> Tensor:
        """Smooth L1 between triplet-angle cosines."""
        return F.smooth_l1_loss(triplet_angles(student), triplet_angles(teacher))

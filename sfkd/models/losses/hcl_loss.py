"""ReviewKD's hierarchical context loss: L2 on a map and on its pyramid-pooled copies."""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..training_progress import SET_PROGRESS_FIX, ProgressAware
from .base import DistillLoss
from .utils import Features, check_same_shape, stage_pairs


@MODELS.register_module()
class HCLLoss(ProgressAware, DistillLoss):
    """Hierarchical context loss (HCL) of ReviewKD, summed over stage pairs.

    "Distilling Knowledge via Knowledge Review", P. Chen, S. Liu, H. Zhao and
    J. Jia, CVPR 2021, arXiv:2104.09044.

    For one pair of maps ``s`` and ``t`` of shape ``(N, C, H, W)``, with ``P_k``
    adaptive average pooling to ``k x k`` and ``MSE`` the mean of squared
    differences over every element::

        HCL(s, t) = (MSE(s, t) + sum_j w_j MSE(P_kj(s), P_kj(t))) / (1 + sum_j w_j)

    where ``k_j`` runs over the ``pool_sizes`` smaller than both ``H`` and ``W``, in
    the order given, and ``w_j = 2**-j`` (``j = 1, 2, ...`` over the sizes kept). With
    the default ``(4, 2, 1)`` an 8x8 map is compared whole (weight 1) and pooled to
    4x4, 2x2 and 1x1 (weights 1/2, 1/4, 1/8), and a 4x4 map whole and at 2x2 and 1x1;
    these are the weights of the authors' released implementations. A vector
    ``(N, C)`` (a pooled feature) is a 1x1 map: its HCL is its MSE. The loss is the
    sum of HCL over the pairs of two lists of maps (ReviewKD's fused student
    stages, from :class:`~sfkd.models.connectors.ABFConnector`, against the
    teacher's stages), or HCL of two maps. The teacher is detached.

    ``warmup_epochs`` scales the loss by ``min((epoch + 1) / warmup_epochs, 1)``
    in training (``epoch`` 0-based), the linear warm-up of the released
    recipes (20 epochs on CIFAR-100, 1 on ImageNet); sfkd's runner tells the loss
    the epoch (:mod:`sfkd.models.training_progress`).

    Args:
        pool_sizes: Output sizes of the pyramid's pooled levels. Defaults to (4, 2, 1).
        warmup_epochs: Length of the linear warm-up in epochs; 0 (default): none.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, pool_sizes: Sequence[int] = (4, 2, 1), warmup_epochs: int = 0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if isinstance(pool_sizes, (str, bytes)) or not hasattr(pool_sizes, '__iter__'):
            raise BadConfigError(f'pool_sizes must be a list of pooled sizes such as '
                                 f'(4, 2, 1), got {pool_sizes!r}')
        self.pool_sizes = tuple(number(k, 'pool_sizes', at_least=1, integer=True,
                                       why='a pooled map size') for k in pool_sizes)
        self.warmup_epochs = number(warmup_epochs, 'warmup_epochs', at_least=0, integer=True,
                                    why='epochs of linear warm-up')

    def pyramid(self, height: int, width: int) -> List[Tuple[int, float]]:
        """``[(pooled size, weight)]`` of a ``height x width`` map: the full map (size 0)
        with weight 1, then each pool size smaller than the map with halving weights."""
        levels, weight = [(0, 1.0)], 1.0
        for size in self.pool_sizes:
            if size < min(height, width):
                weight /= 2
                levels.append((size, weight))
        return levels

    def compute(self, student: Features, teacher: Features) -> Tensor:
        """Compute the unweighted loss.

        Args:
            student: A map ``(N, C, H, W)`` or vector ``(N, C)``, or a list of them.
            teacher: The same kind of record, of the same shapes.

        Returns:
            Scalar loss tensor, summed over the pairs (and warmed up in training).
        """
        total = sum(self.hcl(s, t) for s, t in stage_pairs(student, teacher, 'HCLLoss'))
        return total * self.warmup_factor()

    def hcl(self, student: Tensor, teacher: Tensor) -> Tensor:
        """HCL of one pair of maps (or vectors)."""
        check_same_shape(student, teacher, 'HCLLoss',
                         hint='; fuse the student stages to the teacher shapes with '
                              "connectors=dict(review=dict(type='ABFConnector'))")
        if student.dim() == 2:
            student, teacher = student[:, :, None, None], teacher[:, :, None, None]
        if student.dim() != 4:
            raise ValueError(f'HCLLoss takes maps (N, C, H, W) or vectors (N, C), got shape '
                             f'{tuple(student.shape)}')
        teacher = teacher.detach()
        terms, weights = [], []
        for size, weight in self.pyramid(*student.shape[-2:]):
            s, t = (student, teacher) if size == 0 else \
                (F.adaptive_avg_pool2d(student, size), F.adaptive_avg_pool2d(teacher, size))
            terms.append(weight * F.mse_loss(s, t))
            weights.append(weight)
        return torch.stack(terms).sum() / sum(weights)

    def warmup_factor(self) -> float:
        """``min((epoch + 1) / warmup_epochs, 1)`` in training, else 1."""
        if not self.warmup_epochs or not self.training:
            return 1.0
        epoch, max_epochs, _ = self.progress
        if max_epochs is None and torch.is_grad_enabled():
            raise BadConfigError(f'HCLLoss warmup_epochs={self.warmup_epochs} needs the '
                                 f"run's epoch: {SET_PROGRESS_FIX}")
        return min((epoch + 1) / self.warmup_epochs, 1.0)

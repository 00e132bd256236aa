"""PKD: feature imitation through the Pearson correlation coefficient."""
from typing import Sequence, Union

from torch import Tensor

from sfkd.registry import MODELS
from .base import DistillLoss

Maps = Union[Tensor, Sequence[Tensor]]


def _as_levels(maps: Maps) -> Sequence[Tensor]:
    return (maps, ) if isinstance(maps, Tensor) else tuple(maps)


@MODELS.register_module()
class PKDLoss(DistillLoss):
    """Pearson-correlation knowledge distillation (PKD).

    "PKD: General Distillation Framework for Object Detectors via Pearson
    Correlation Coefficient", W. Cao, Y. Zhang, J. Gao, A. Cheng, K. Cheng
    and J. Cheng, NeurIPS 2022, arXiv:2207.02039.

    Each ``(N, C, H, W)`` map is normalised per channel to zero mean and unit
    standard deviation over its ``N * H * W`` values, as in the MMRazor code
    released with the paper: the standard deviation is the unbiased
    (Bessel-corrected) one and ``eps`` is added to it. The loss of one level
    is ``mean((norm(s) - norm(t))**2) / 2``, i.e. the channel mean of
    ``(M - 1) / M * (1 - r)`` (ignoring ``eps``), with ``r`` the Pearson
    correlation of a student and a teacher channel and ``M = N * H * W``.
    Levels (a tuple/list of maps, e.g. FPN outputs) are summed. Student and
    teacher maps must have the same shape; the teacher is detached.

    Args:
        eps: Added to the standard deviation. Defaults to 1e-6.
        loss_weight: Multiplier of the loss. Defaults to 1.0 (MMRazor's
            detector configs use 5 or 6 per FPN level).
    """

    def __init__(self, eps: float = 1e-6, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.eps = float(eps)

    def normalize(self, feat: Tensor) -> Tensor:
        """Standardise each channel of ``feat`` over batch and space.

        Args:
            feat: Map ``(N, C, H, W)``.

        Returns:
            Map of the same shape with per-channel zero mean, unit std.
        """
        dims = (0, 2, 3)
        mean = feat.mean(dim=dims, keepdim=True)
        std = feat.std(dim=dims, keepdim=True)
        return (feat - mean) / (std + self.eps)

    def compute(self, student: Maps, teacher: Maps) -> Tensor:
        """Compute the unweighted PKD loss.

        Args:
            student: A student map ``(N, C, H, W)`` or a sequence of them.
            teacher: Teacher map(s), matching ``student`` level by level.

        Returns:
            Scalar loss tensor, summed over levels.
        """
        s_levels, t_levels = _as_levels(student), _as_levels(teacher)
        if len(s_levels) != len(t_levels):
            raise ValueError(f'{len(s_levels)} student levels but '
                             f'{len(t_levels)} teacher levels')
        loss = s_levels[0].new_zeros(())
        for s, t in zip(s_levels, t_levels):
            if s.shape != t.shape or s.dim() != 4:
                raise ValueError('expected (N, C, H, W) maps of one shape, '
                                 f'got {tuple(s.shape)} and {tuple(t.shape)}')
            diff = self.normalize(s) - self.normalize(t.detach())
            loss = loss + diff.pow(2).mean() / 2
        return loss

"""FitNets hint loss: MSE between a student hint and a teacher feature."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_shape
from .base import DistillLoss


@MODELS.register_module()
class FitNetsLoss(DistillLoss):
    """Hint-based training of FitNets.

    "FitNets: Hints for Thin Deep Nets", A. Romero, N. Ballas, S. E. Kahou,
    A. Chassang, C. Gatta and Y. Bengio, ICLR 2015, arXiv:1412.6550.

    The loss is the mean squared error between the student hint and the teacher
    feature, averaged over every element. The paper's regressor, which maps
    the student hint to the teacher's shape, is a connector in sfkd, not part
    of this loss: both inputs must already have the same shape, e.g.
    ``(N, C, H, W)`` or ``(N, D)``. RepDistiller weights this loss by 100.
    The teacher is detached.

    Args:
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted hint loss.

        Args:
            student: Student hint (after its connector), any shape.
            teacher: Teacher feature of the same shape.

        Returns:
            Scalar loss tensor.
        """
        check_same_shape(student, teacher, 'FitNetsLoss',
                         hint='; map the student hint with a connector (e.g. a conv '
                              'regressor) to the teacher shape')
        return F.mse_loss(student, teacher.detach())

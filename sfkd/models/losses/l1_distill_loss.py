"""L1 imitation: mean absolute difference between two outputs of the same shape."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS

from .base import DistillLoss
from .utils import check_same_shape


@MODELS.register_module()
class L1DistillLoss(DistillLoss):
    """Mean absolute error between the student and the teacher outputs.

    The imitation term of SFT-KD-Recon (Matcha et al., MIDL 2024,
    arXiv:2304.05057) between reconstructions: ``mean |x_s - x_t|`` over every
    element. The mean is the only normalisation: the official code divides
    it once more by the number of pixels, which makes the term vanish; the
    weight is ``loss_weight`` (or the wrapper's imitation weight) instead.

    Args:
        detach_teacher: Stop gradients into the teacher output. Distillation
            (frozen teacher) keeps the default; an SFTN trains the
            teacher through this term with ``detach_teacher=False``.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, detach_teacher: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.detach_teacher = detach_teacher

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted L1 loss.

        Args:
            student: Student output, any shape.
            teacher: Teacher output of the same shape.

        Returns:
            Scalar loss tensor.
        """
        check_same_shape(student, teacher, 'L1DistillLoss',
                         hint='; tap outputs of one shape (e.g. the two reconstructions)')
        return F.l1_loss(student, teacher.detach() if self.detach_teacher else teacher)

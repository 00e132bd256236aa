"""Hard-label distillation: cross-entropy against the teacher's predicted class."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .base import DistillLoss


@MODELS.register_module()
class HardLabelKDLoss(DistillLoss):
    """Hard-label distillation of DeiT.

    "Training data-efficient image transformers & distillation through attention",
    H. Touvron, M. Cord, M. Douze, F. Massa, A. Sablayrolles and H. Jégou, ICML 2021,
    arXiv:2012.12877.

    The teacher's decision ``y_t = argmax_c t_c`` is taken as a true label::

        loss = mean_i CE(s_i, y_t_i) = mean_i -log softmax(s_i)[y_t_i]

    In DeiT the student is the distillation token's head
    (:class:`~sfkd.models.heads.DistillationTokenHead`) and the objective is
    ``1/2 CE(cls logits, y) + 1/2 CE(dist logits, y_t)``: a student loss weight
    and a ``loss_weight`` of 0.5. The teacher's labels are not smoothed (as in the
    paper); no gradient reaches the teacher (its argmax has none).

    Inputs are logits ``(N, C)``, or dense ``(N, C, *spatial)`` with the classes
    along dim 1 (the mean then runs over every position).

    Args:
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted hard-label loss.

        Args:
            student: Student logits, ``(N, C)`` or ``(N, C, *spatial)``.
            teacher: Teacher logits of the same shape.

        Returns:
            Scalar loss tensor.
        """
        if student.shape != teacher.shape:
            raise ValueError(f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)} logits differ in shape')
        return F.cross_entropy(student, teacher.detach().argmax(dim=1))

"""BCKD's classification term: binary cross-entropy between sigmoid scores of dense heads."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.options import number

from .base import DistillLoss
from .dense_predictions import Levels, check_normalize, divisor, pair_levels, score_rows


@MODELS.register_module()
class BCKDClsLoss(DistillLoss):
    """Binary classification distillation of a dense detector's class maps (BCKD).

    "Bridging Cross-task Protocol Inconsistency for Distillation in Dense Object
    Detection", L. Yang, X. Zhou, X. Li, L. Qiao, Z. Li, Z. Yang, G. Wang and
    X. Li, ICCV 2023, arXiv:2308.14286.

    A dense detector scores each class of each prediction with its own sigmoid,
    so its class maps are read as ``C`` binary classification maps rather than
    one softmax over classes. With ``p = sigmoid(student logit)`` and
    ``q = sigmoid(teacher logit)`` for each prediction (anchor, location, level)
    and class::

        loss = 1 / Z * sum_{levels, images, predictions, classes}
                   |q - p| ** beta * BCE(p, q),
        BCE(p, q) = -q * log(p) - (1 - q) * log(1 - p).

    The factor ``|q - p| ** beta`` (``beta=1`` in the authors' released
    code) puts the weight on the scores the student has not matched yet; the
    gradient flows through it as well as through the cross-entropy (as in
    Quality Focal Loss, which this is with the teacher's score as the soft
    label: ``beta=2`` gives QFL's exponent). The teacher is detached.

    ``Z`` (``normalize``): the authors' code divides by the student's number
    of positive anchors, which its label assigner decides and a distill loss
    does not see; ``'teacher_score'`` (default) divides by the sum over all
    predictions of the teacher's highest class probability (at least 1), the
    teacher's soft count of foreground predictions; ``'predictions'`` by the
    number of predictions (a mean over every anchor of every location, level
    and image); ``'images'`` by the batch size.

    Args:
        beta: Exponent of the score difference that weights each term (>= 0).
        num_classes: Classes per prediction ``C``, needed when a location holds
            several anchors (maps of ``A * C`` channels, e.g. RetinaNet's);
            ``None``: every channel is a class of one prediction per location
            (GFL, FCOS).
        normalize: ``'teacher_score'``, ``'predictions'`` or ``'images'``.
        loss_weight: Multiplier of the loss (the authors' GFL recipe: 1.0).
    """

    def __init__(self, beta: float = 1.0, num_classes: Optional[int] = None,
                 normalize: str = 'teacher_score', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.beta = number(beta, 'beta', at_least=0,
                           why='the exponent of the score difference')
        self.num_classes = None if num_classes is None else number(
            num_classes, 'num_classes', at_least=1, integer=True,
            why='the classes of one prediction')
        self.normalize = check_normalize(normalize, 'BCKDClsLoss')

    def compute(self, student: Levels, teacher: Levels) -> Tensor:
        """Compute the unweighted loss.

        Args:
            student: Class logits ``(N, A * C, H, W)``, or a list of them (levels).
            teacher: The teacher's logits, matching ``student`` level by level.

        Returns:
            Scalar loss tensor.
        """
        total, predictions, teacher_score = 0.0, 0, 0.0
        for s, t in pair_levels(student, teacher, 'BCKDClsLoss'):
            if s.shape != t.shape or s.dim() != 4:
                raise ValueError('BCKDClsLoss expects (N, A * C, H, W) class maps of one '
                                 f'shape, got {tuple(s.shape)} and {tuple(t.shape)}')
            q = t.detach().sigmoid()
            weight = (q - s.sigmoid()).abs().pow(self.beta)
            bce = F.binary_cross_entropy_with_logits(s, q, reduction='none')
            total = total + (weight * bce).sum()
            rows = score_rows(q, self.num_classes or s.shape[1], 'BCKDClsLoss')
            predictions += rows.shape[0] * rows.shape[1]
            if self.normalize == 'teacher_score':
                teacher_score = teacher_score + rows.max(dim=-1).values.sum()
        images = s.shape[0]
        z = divisor(self.normalize, images, predictions, torch.as_tensor(teacher_score))
        return total / z

"""Vanilla knowledge distillation on softened class probabilities."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from ..temperatures import TemperatureScaled, temperature_option
from .base import DistillLoss
from .logit_standardization import logit_stand_option, standardize_logits


def _classes_last(logits: Tensor) -> Tensor:
    """Flatten ``(N, C, *spatial)`` logits to ``(N * prod(spatial), C)``."""
    if logits.dim() == 2:
        return logits
    return logits.movedim(1, -1).reshape(-1, logits.shape[1])


@MODELS.register_module()
class KDLoss(TemperatureScaled, DistillLoss):
    """Soft-target distillation of Hinton et al.

    "Distilling the Knowledge in a Neural Network", G. Hinton, O. Vinyals and
    J. Dean, NIPS 2014 Deep Learning Workshop (2015), arXiv:1503.02531.

    The loss is ``tau**2 * KL(softmax(t / tau) || softmax(s / tau))``, summed
    over classes and averaged over rows (``batchmean``). The ``tau**2`` factor
    keeps gradient magnitudes comparable across temperatures.

    Inputs are logits of shape ``(N, C)``. Dense logits ``(N, C, *spatial)``
    (e.g. segmentation maps) are accepted too: the class dimension is dim 1,
    every spatial position becomes a row, and the mean runs over all
    ``N * prod(spatial)`` rows. The teacher is detached unless
    ``detach_teacher=False``, which lets the term train both sides (SFTN's
    teacher/branch KL term).

    With ``logit_stand=True`` every student and teacher logit vector is first
    replaced by its Z-score (Sun et al., CVPR 2024; see
    :mod:`~sfkd.models.losses.logit_standardization`), and ``tau`` is the
    paper's base temperature: ``tau**2 * KL(softmax(Z(t) / tau) ||
    softmax(Z(s) / tau))``.

    Args:
        tau: Softmax temperature. Defaults to 4. Or a temperature module
            that learns it: ``dict(type='LearnableTemperature')`` (CTKD).
        detach_teacher: Stop gradients into the teacher logits. Defaults to True.
        logit_stand: Standardise the logits before the temperature. Defaults
            to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 4.0, detach_teacher: bool = True,
                 logit_stand: bool = False, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.temperature = temperature_option(tau)
        self.detach_teacher = detach_teacher
        self.logit_stand = logit_stand_option(logit_stand)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted KD loss.

        Args:
            student: Student logits, ``(N, C)`` or ``(N, C, *spatial)``.
            teacher: Teacher logits of the same shape.

        Returns:
            Scalar loss tensor.
        """
        if student.shape != teacher.shape:
            raise ValueError(f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)} logits differ in shape')
        s = _classes_last(student)
        t = _classes_last(teacher.detach() if self.detach_teacher else teacher)
        if self.logit_stand:
            s, t = standardize_logits(s), standardize_logits(t)
        s, t = s / self.tau, t / self.tau
        kl = F.kl_div(F.log_softmax(s, dim=1), F.log_softmax(t, dim=1),
                      reduction='batchmean', log_target=True)
        return kl * self.tau**2

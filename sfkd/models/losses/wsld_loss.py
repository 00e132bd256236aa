"""Weighted soft labels: KD weighted per sample by student/teacher CE."""
import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from ..temperatures import TemperatureScaled, temperature_option
from .base import DistillLoss
from .logit_standardization import logit_stand_option, standardize_logits


@MODELS.register_module()
class WSLDLoss(TemperatureScaled, DistillLoss):
    """Weighted Soft Label Distillation (WSLD).

    "Rethinking Soft Labels for Knowledge Distillation: A Bias-Variance
    Tradeoff Perspective", H. Zhou, L. Song, J. Chen, Y. Zhou, G. Wang,
    J. Yuan and Q. Zhang, ICLR 2021, arXiv:2102.00650.

    For each sample ``i``::

        w_i = 1 - exp(-max(ce_s_i / (ce_t_i + eps), 0))
        l_i = -sum_c softmax(t_i / tau)_c * log_softmax(s_i / tau)_c
        loss = tau**2 * mean_i(w_i * l_i)

    where ``ce_s_i``/``ce_t_i`` are the student's/teacher's cross-entropy
    with the ground truth on the un-softened, detached logits, so the weight
    carries no gradient.

    Formula choice: like the official code (and MMRazor), the per-sample soft
    term ``l_i`` is the cross-entropy to the teacher's soft labels, not the
    KL divergence. The two differ by the teacher's entropy, which does not
    depend on the student, so the gradients are identical; only the reported
    value is offset (it is not zero when student equals teacher). The
    teacher is detached.

    Inputs are logits ``(N, C)``; ``target`` holds class indices ``(N,)``.
    The paper's weight on this loss is ``alpha=2.5`` (set it as
    ``loss_weight``).

    With ``logit_stand=True`` the soft term ``l_i`` compares the Z-scores of
    the logit vectors, ``softmax(Z(t_i) / tau)`` and ``log_softmax(Z(s_i) /
    tau)`` (Sun et al., CVPR 2024; see
    :mod:`~sfkd.models.losses.logit_standardization`); the weights ``w_i``
    stay on the raw logits, the two models' own cross-entropies.

    Args:
        tau: Softmax temperature. Defaults to 2. Or a temperature module
            that learns it: ``dict(type='LearnableTemperature')`` (CTKD).
        eps: Added to the teacher CE in the weight's ratio. Defaults to 1e-7.
        logit_stand: Standardise the logits of the soft term before the
            temperature. Defaults to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 tau: float = 2.0,
                 eps: float = 1e-7,
                 logit_stand: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.temperature = temperature_option(tau)
        self.eps = float(eps)
        self.logit_stand = logit_stand_option(logit_stand)

    def sample_weights(self, student: Tensor, teacher: Tensor,
                       target: Tensor) -> Tensor:
        """Per-sample weights ``1 - exp(-ce_s / ce_t)``, shape ``(N,)``.

        Args:
            student: Student logits ``(N, C)``.
            teacher: Teacher logits ``(N, C)``.
            target: Ground-truth class indices ``(N,)``.

        Returns:
            Detached weights in ``[0, 1)``.
        """
        ce_s = F.cross_entropy(student.detach(), target, reduction='none')
        ce_t = F.cross_entropy(teacher.detach(), target, reduction='none')
        ratio = (ce_s / (ce_t + self.eps)).clamp(min=0)
        return 1 - torch.exp(-ratio)

    def compute(self, student: Tensor, teacher: Tensor,
                target: Tensor) -> Tensor:
        """Compute the unweighted WSLD loss.

        Args:
            student: Student logits ``(N, C)``.
            teacher: Teacher logits ``(N, C)``.
            target: Ground-truth class indices ``(N,)``, dtype long.

        Returns:
            Scalar loss tensor.
        """
        s, t = student, teacher.detach()
        if self.logit_stand:
            s, t = standardize_logits(s), standardize_logits(t)
        soft_t = F.softmax(t / self.tau, dim=1)
        soft_ce = -(soft_t * F.log_softmax(s / self.tau, dim=1)).sum(1)
        weights = self.sample_weights(student, teacher, target)
        return self.tau**2 * (weights * soft_ce).mean()

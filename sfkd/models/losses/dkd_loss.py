"""Decoupled knowledge distillation: target and non-target parts of KD."""
import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from ..temperatures import TemperatureScaled, temperature_option
from .base import DistillLoss
from .logit_standardization import logit_stand_option, standardize_logits

# Logit offset that removes the ground-truth class from the non-target
# softmax; the official code uses the same constant. A finite value (rather
# than -inf) keeps 0 * log(0) terms of the KL at exactly 0 instead of NaN.
_GT_SUPPRESS = 1000.0


def _binary_log_probs(logits: Tensor, gt_mask: Tensor) -> Tensor:
    """Log of ``[p_gt, 1 - p_gt]`` per row, shape ``(N, 2)``.

    Computed with log-sum-exp over each group rather than ``log`` of summed
    probabilities, which is the same value without the underflow.
    """
    neg_inf = torch.finfo(logits.dtype).min
    log_gt = logits.masked_fill(~gt_mask, neg_inf).logsumexp(dim=1)
    log_rest = logits.masked_fill(gt_mask, neg_inf).logsumexp(dim=1)
    log_all = logits.logsumexp(dim=1)
    return torch.stack([log_gt, log_rest], dim=1) - log_all.unsqueeze(1)


@MODELS.register_module()
class DKDLoss(TemperatureScaled, DistillLoss):
    """Decoupled Knowledge Distillation (DKD).

    "Decoupled Knowledge Distillation", B. Zhao, Q. Cui, R. Song, Y. Qiu and
    J. Liang, CVPR 2022, arXiv:2203.08679.

    ``alpha * TCKD + beta * NCKD``, following the official mdistiller code:

    * TCKD: KL between the teacher's and the student's binary distributions
      ``[p_gt, 1 - p_gt]`` of the softened (``/ tau``) softmax.
    * NCKD: KL between the softmaxes over the non-target classes, obtained by
      subtracting 1000 from the ground-truth logit (after ``/ tau``).

    Both KLs are summed over classes, multiplied by ``tau**2`` and divided by
    the batch size ``N``. The teacher is detached. The official epoch warm-up
    of the DKD weight is not part of this loss (schedule ``loss_weight``
    instead if it is wanted).

    With ``logit_stand=True`` both logit vectors are replaced by their
    Z-scores before the temperature (Sun et al., CVPR 2024; see
    :mod:`~sfkd.models.losses.logit_standardization`); the ground-truth
    suppression then acts on the standardised logits.

    Inputs are logits ``(N, C)``; ``target`` holds class indices ``(N,)``.

    Args:
        alpha: Weight of TCKD. Defaults to 1.0.
        beta: Weight of NCKD. Defaults to 8.0 (CIFAR-100 setting of the paper).
        tau: Softmax temperature. Defaults to 4. Or a temperature module
            that learns it: ``dict(type='LearnableTemperature')`` (CTKD).
        logit_stand: Standardise the logits before the temperature. Defaults
            to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 alpha: float = 1.0,
                 beta: float = 8.0,
                 tau: float = 4.0,
                 logit_stand: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.temperature = temperature_option(tau)
        self.logit_stand = logit_stand_option(logit_stand)

    def compute(self, student: Tensor, teacher: Tensor,
                target: Tensor) -> Tensor:
        """Compute the unweighted DKD loss.

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
        s, t = s / self.tau, t / self.tau
        gt_mask = F.one_hot(target.reshape(-1), s.shape[1]).bool()
        num = s.shape[0]

        tckd = F.kl_div(_binary_log_probs(s, gt_mask),
                        _binary_log_probs(t, gt_mask),
                        reduction='sum', log_target=True)
        offset = _GT_SUPPRESS * gt_mask.to(s.dtype)
        # log-probabilities on both sides: a learnable temperature's gradient through
        # the teacher's suppressed (zero-probability) class stays 0, not NaN
        nckd = F.kl_div(F.log_softmax(s - offset, dim=1),
                        F.log_softmax(t - offset, dim=1), reduction='sum', log_target=True)
        scale = self.tau**2 / num
        return scale * (self.alpha * tckd + self.beta * nckd)

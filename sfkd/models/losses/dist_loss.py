"""DIST: relation (Pearson correlation) matching of class probabilities."""
import torch
from torch import Tensor

from sfkd.registry import MODELS
from ..temperatures import TemperatureScaled, temperature_option
from .base import DistillLoss
from .logit_standardization import logit_stand_option, standardize_logits


def _mean_pearson_distance(a: Tensor, b: Tensor, eps: float) -> Tensor:
    """Mean over rows of ``1 - pearson(a_i, b_i)`` for ``(R, K)`` inputs."""
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    corr = (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1) + eps)
    return 1 - corr.mean()


@MODELS.register_module()
class DISTLoss(TemperatureScaled, DistillLoss):
    """Distillation from A Stronger Teacher (DIST).

    "Knowledge Distillation from A Stronger Teacher", T. Huang, S. You,
    F. Wang, C. Qian and C. Xu, NeurIPS 2022, arXiv:2205.10536.

    With ``Y_s = softmax(s / tau)`` and ``Y_t = softmax(t / tau)``, both
    ``(N, C)``::

        inter = 1 - mean_i pearson(Y_s[i, :], Y_t[i, :])   # per sample
        intra = 1 - mean_j pearson(Y_s[:, j], Y_t[:, j])   # per class
        loss = tau**2 * (beta * inter + gamma * intra)

    As in the official code, the Pearson correlation is the cosine similarity
    of mean-centred vectors with ``eps`` added to the norm product. The
    teacher is detached.

    The default ``tau=1`` is the official code's basic (ImageNet) setting;
    the paper reports ``tau=4`` with ``beta=gamma=2`` for CIFAR-100.

    With ``logit_stand=True`` each logit vector is replaced by its Z-score
    before the temperature (Sun et al., CVPR 2024; see
    :mod:`~sfkd.models.losses.logit_standardization`):
    ``Y_s = softmax(Z(s) / tau)``, ``Y_t = softmax(Z(t) / tau)``.

    Args:
        beta: Weight of the inter-class relation. Defaults to 1.0.
        gamma: Weight of the intra-class relation. Defaults to 1.0.
        tau: Softmax temperature. Defaults to 1.0. Or a temperature module
            that learns it: ``dict(type='LearnableTemperature')`` (CTKD).
        eps: Added to the norm product in the Pearson denominator.
            Defaults to 1e-8.
        logit_stand: Standardise the logits before the temperature. Defaults
            to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 beta: float = 1.0,
                 gamma: float = 1.0,
                 tau: float = 1.0,
                 eps: float = 1e-8,
                 logit_stand: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.beta = float(beta)
        self.gamma = float(gamma)
        self.temperature = temperature_option(tau)
        self.eps = float(eps)
        self.logit_stand = logit_stand_option(logit_stand)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted DIST loss.

        Args:
            student: Student logits ``(N, C)``.
            teacher: Teacher logits ``(N, C)``.

        Returns:
            Scalar loss tensor.
        """
        s, t = student, teacher.detach()
        if self.logit_stand:
            s, t = standardize_logits(s), standardize_logits(t)
        y_s = torch.softmax(s / self.tau, dim=1)
        y_t = torch.softmax(t / self.tau, dim=1)
        inter = _mean_pearson_distance(y_s, y_t, self.eps)
        intra = _mean_pearson_distance(y_s.t(), y_t.t(), self.eps)
        return self.tau**2 * (self.beta * inter + self.gamma * intra)

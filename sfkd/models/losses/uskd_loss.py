"""USKD: NKD without a teacher, on soft labels the student makes for itself."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number
from .base import DistillLoss
from .nkd_loss import class_labels, non_target


def zipf_labels(scores: Tensor) -> Tensor:
    """Zipf's-law soft labels from ranking scores: ``1 / rank`` of each class, normalised.

    Args:
        scores: ``(N, K)`` scores; the highest is rank 1. Equal scores are
            ranked by class index.

    Returns:
        ``(N, K)`` rows ``(1 / rank_i) / sum_j (1 / rank_j)``.
    """
    order = torch.sort(scores, dim=1, descending=True, stable=True).indices
    ranks = torch.empty_like(order)
    positions = torch.arange(1, scores.shape[1] + 1, device=scores.device)
    ranks.scatter_(1, order, positions.expand_as(order))
    inverse = ranks.to(scores.dtype).reciprocal()
    return inverse / inverse.sum(dim=1, keepdim=True)


def _non_target_odds(logits: Tensor, labels: Tensor) -> Tensor:
    """``p_i / (1 - p_t)`` of ``p = softmax(logits)`` for every class ``i`` (the label too).

    For ``i != t`` it is the softmax over the non-target logits; for the label,
    ``exp(z_t - logsumexp_{j != t} z_j)``. Computed that way, not by dividing
    probabilities, it has no 0/0 when ``p_t`` rounds to 1.
    """
    index = labels.view(-1, 1)
    rest = logits.scatter(1, index, float('-inf')).logsumexp(dim=1, keepdim=True)
    return (logits - rest).exp()


@MODELS.register_module()
class USKDLoss(DistillLoss):
    """Universal Self-Knowledge Distillation (USKD): NKD's teacher-free form.

    "From Knowledge Distillation to Self-Knowledge Distillation: A Unified
    Approach with Normalized Loss and Customized Soft Labels", Z. Yang,
    A. Zeng, Z. Li, T. Zhang, C. Yuan and Y. Li, ICCV 2023, arXiv:2303.13005.

    No teacher network: the student makes its own soft labels for the two
    terms of :class:`NKDLoss`. With ``S = softmax(s)`` the student's final
    probabilities, ``t`` the label of a sample and ``V`` its one-hot label:

    * **Soft target label**: ``P_t = S_t**2 + V_t - mean_batch(S_t**2)``
      (``V_t = 1``), a constant (no gradient);
      ``L_target = -mean_n P_t * log S_t``.
    * **Weak supervision**: a linear layer of this loss (``in_channels`` ->
      ``num_classes``) reads an intermediate feature ``F`` of the student,
      global-average-pooled when it is a map, ``W = softmax(FC(GAP(F)))``, and
      learns the label-smoothed label ``V' = (1 - eps) V + eps / K``:
      ``L_weak = -mu * mean_n sum_i V'_i * log W_i``. Its gradient reaches the
      layer and the student's feature.
    * **Soft non-target labels**: every class ``i`` is ranked (1 = highest) by
      ``R_i = W_i / (1 - W_t) + S_i / (1 - S_t)`` (the label included), its
      Zipf's-law label is ``Z_i = (1 / rank_i) / sum_j (1 / rank_j)``, and
      ``L_non = -mean_n sum_{i != t} N(Z)_i * log N(S)_i`` with ``N`` the
      normalisation over the non-target classes (``N(S)`` is the softmax over
      the non-target logits). The ranks carry no gradient.

    The loss is ``alpha * L_target + beta * L_non + L_weak``; the paper trains
    with the task loss beside it (``student_loss_weight`` 1). Everything is at
    temperature 1, as in the paper.

    Its ``teacher`` input is the ground-truth label ``(N,)``, as in
    :class:`TeacherFreeKDLoss`, and ``feature`` an intermediate student
    record, e.g. the output of the stage before the last::

        loss_inputs=dict(loss_uskd=dict(student='student.logits',
                                        teacher='data.gt_label',
                                        feature='student.mid'))

    so it runs in a :class:`~sfkd.models.algorithms.Distiller` with
    ``teacher=None``. A ViT's class token, ``(N, C)``, is used as it is.

    Not included: mixed (mixup/CutMix) soft labels, which the authors' code
    handles by taking the two largest label entries as targets; labels here
    are class indices.

    Args:
        in_channels: Channels of ``feature``.
        num_classes: Number of classes ``K`` of the logits.
        alpha: Weight of the target term. Defaults to 1.0 (the authors'
            ImageNet setting; 0.1 on CIFAR-100).
        beta: Weight of the non-target term. Defaults to 0.1.
        mu: Weight of the weak supervision. Defaults to 0.005 (the authors'
            ImageNet setting; 0.1 on CIFAR-100).
        label_smoothing: ``eps`` of the weak label. Defaults to 0.1, the
            authors' code.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, in_channels: int, num_classes: int, alpha: float = 1.0,
                 beta: float = 0.1, mu: float = 0.005, label_smoothing: float = 0.1,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.in_channels = number(in_channels, 'in_channels', at_least=1, integer=True,
                                  why="the channels of the loss's feature input")
        self.num_classes = number(num_classes, 'num_classes', at_least=2, integer=True,
                                  why='the classes of the logits')
        self.alpha = number(alpha, 'alpha', at_least=0, why='the weight of the target term')
        self.beta = number(beta, 'beta', at_least=0, why='the weight of the non-target term')
        self.mu = number(mu, 'mu', at_least=0, why='the weight of the weak supervision')
        self.label_smoothing = number(label_smoothing, 'label_smoothing', at_least=0,
                                      why='a share of the label spread over the classes')
        if self.label_smoothing > 1:
            raise BadConfigError(f'label_smoothing must be <= 1 (a share of the label spread '
                                 f'over the classes), got {label_smoothing!r}')
        self.fc = nn.Linear(self.in_channels, self.num_classes)

    def weak_logits(self, feature: Tensor) -> Tensor:
        """``FC(GAP(feature))``: ``(N, K)`` logits of an ``(N, C)`` or ``(N, C, *spatial)``
        feature."""
        if feature.dim() < 2:
            raise ValueError(f'USKDLoss feature must be (N, C) or (N, C, ...), got '
                             f'{tuple(feature.shape)}')
        if feature.shape[1] != self.in_channels:
            raise BadConfigError(f'USKDLoss in_channels={self.in_channels}, but its feature '
                                 f'input has {feature.shape[1]} channels '
                                 f'{tuple(feature.shape)}; set in_channels={feature.shape[1]}')
        pooled = feature.flatten(2).mean(dim=2) if feature.dim() > 2 else feature
        return self.fc(pooled)

    def compute(self, student: Tensor, teacher: Tensor, feature: Tensor) -> Tensor:
        """Compute the unweighted USKD loss.

        Args:
            student: Student logits ``(N, K)``.
            teacher: Ground-truth labels ``(N,)``.
            feature: An intermediate student feature, ``(N, C)`` or ``(N, C, *spatial)``.

        Returns:
            Scalar loss tensor.
        """
        labels = class_labels(teacher, student, name='teacher')
        if student.shape[1] != self.num_classes:
            raise BadConfigError(f'USKDLoss num_classes={self.num_classes}, but the student '
                                 f'logits have {student.shape[1]} classes; set '
                                 f'num_classes={student.shape[1]}')
        if feature.shape[0] != student.shape[0]:
            raise ValueError(f'USKDLoss feature has {feature.shape[0]} samples, the logits '
                             f'{student.shape[0]}')
        index = labels.view(-1, 1)
        log_s = F.log_softmax(student, dim=1)
        log_s_t = log_s.gather(1, index).squeeze(1)

        # soft target label: the squared target probability, centred on the label
        s_t_sq = log_s_t.detach().exp().pow(2)
        p_t = s_t_sq + 1.0 - s_t_sq.mean()
        target_term = -(p_t * log_s_t).mean()

        # weak supervision of an intermediate feature, towards the smoothed label
        weak = self.weak_logits(feature)
        smooth = torch.full_like(weak, self.label_smoothing / self.num_classes)
        smooth.scatter_add_(1, index, torch.full_like(weak[:, :1], 1.0 - self.label_smoothing))
        weak_term = -(smooth * F.log_softmax(weak, dim=1)).sum(dim=1).mean()

        # soft non-target labels: Zipf's law over the ranks of the two normalised predictions
        with torch.no_grad():
            scores = _non_target_odds(weak, labels) + _non_target_odds(student, labels)
            zipf = non_target(zipf_labels(scores), labels)
            zipf = zipf / zipf.sum(dim=1, keepdim=True)
        log_ns = F.log_softmax(non_target(student, labels), dim=1)
        non_target_term = -(zipf * log_ns).sum(dim=1).mean()

        return self.alpha * target_term + self.beta * non_target_term + self.mu * weak_term

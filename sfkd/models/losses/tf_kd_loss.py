"""Teacher-free KD: distil from a hand-made, class-wise fixed target distribution."""
import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number
from .base import DistillLoss


def virtual_teacher(target: Tensor, num_classes: int, correct_prob: float,
                    dtype: torch.dtype = torch.float32) -> Tensor:
    """The hand-made distribution: ``correct_prob`` on the label, the rest spread uniformly.

    Args:
        target: Class indices ``(N,)``.
        num_classes: Number of classes ``K`` (at least 2).
        correct_prob: Probability ``a`` of the labelled class.

    Returns:
        ``(N, K)`` rows with ``a`` at the label and ``(1 - a) / (K - 1)`` elsewhere.
    """
    rest = (1.0 - correct_prob) / (num_classes - 1)
    dist = torch.full((target.shape[0], num_classes), rest, dtype=dtype,
                      device=target.device)
    dist.scatter_(1, target.long().view(-1, 1), correct_prob)
    return dist


@MODELS.register_module()
class TeacherFreeKDLoss(DistillLoss):
    """Teacher-free KD by a manually designed regularisation (Tf-KD_reg).

    "Revisiting Knowledge Distillation via Label Smoothing Regularization",
    L. Yuan, F. E. H. Tay, G. Li, T. Wang and J. Feng, CVPR 2020,
    arXiv:1909.11723.

    No teacher network is involved: a virtual teacher puts probability ``a``
    (``correct_prob``) on the labelled class and ``(1 - a) / (K - 1)`` on
    each other class. With ``soften_target=True`` (the paper's Tf-KD_reg)
    that distribution is softened at temperature ``tau`` like a teacher's
    logits, ``q_tau = softmax(q / tau)``; with ``False`` it is used as it is.
    The loss is ``tau**2 * KL(q_tau || softmax(s / tau))``, summed over
    classes and averaged over the batch, as :class:`KDLoss`.

    Its ``teacher`` input is the ground-truth label ``(N,)`` from which the
    virtual teacher is made, routed from the data samples::

        loss_inputs=dict(loss_tf=dict(student='student.logits', teacher='data.gt_label'))

    so it runs in a :class:`~sfkd.models.algorithms.Distiller` with
    ``teacher=None``.

    Args:
        correct_prob: Probability ``a`` of the labelled class, in (0, 1).
            Defaults to 0.9.
        tau: Temperature. Defaults to 20, the paper's CIFAR-100 setting.
        soften_target: Soften the hand-made distribution at ``tau``.
            Defaults to True.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, correct_prob: float = 0.9, tau: float = 20.0,
                 soften_target: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.correct_prob = number(correct_prob, 'correct_prob', above=0, why='a probability')
        if self.correct_prob >= 1:
            raise BadConfigError(f'correct_prob must be < 1 (a probability that leaves some '
                                 f'mass to the other classes), got {correct_prob!r}')
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')
        self.soften_target = bool(soften_target)

    def target_distribution(self, target: Tensor, num_classes: int,
                            dtype: torch.dtype = torch.float32) -> Tensor:
        """The (softened) virtual-teacher distribution for labels ``target``."""
        dist = virtual_teacher(target, num_classes, self.correct_prob, dtype)
        return F.softmax(dist / self.tau, dim=1) if self.soften_target else dist

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted loss.

        Args:
            student: Student logits ``(N, K)``.
            teacher: Ground-truth labels ``(N,)`` (the virtual teacher's class).

        Returns:
            Scalar loss tensor.
        """
        if student.dim() != 2 or student.shape[1] < 2:
            raise ValueError(f'student logits must be (N, K) with K >= 2, got '
                             f'{tuple(student.shape)}')
        labels = teacher.reshape(-1)
        if labels.shape[0] != student.shape[0] or labels.is_floating_point():
            raise ValueError(f'teacher must be the class labels (N,) = ({student.shape[0]},) as '
                             f"integers (route it from 'data.gt_label'), got "
                             f'{teacher.dtype} {tuple(teacher.shape)}')
        q = self.target_distribution(labels, student.shape[1], student.dtype)
        log_p = F.log_softmax(student / self.tau, dim=1)
        kl = (q * (q.clamp_min(1e-12).log() - log_p)).sum(1).mean()
        return kl * self.tau**2

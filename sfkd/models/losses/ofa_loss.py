"""The OFA loss: soft-label cross-entropy with an adaptively enhanced target class."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.options import number
from .base import DistillLoss


@MODELS.register_module()
class OFALoss(DistillLoss):
    """The distillation loss of OFA-KD.

    "One-for-All: Bridge the Gap Between Heterogeneous Architectures in
    Knowledge Distillation", Z. Hao, J. Guo, K. Han, Y. Tang, H. Hu, Y. Wang
    and C. Xu, NeurIPS 2023, arXiv:2310.19444.

    With ``p_t = softmax(teacher / tau)``, ``log p_s = log_softmax(student /
    tau)``, the ground-truth class ``y`` and its one-hot vector ``1_y``, each
    row's loss is::

        - sum_c w_c log p_s[c],    w = (p_t + 1_y) ** eps - 1_y

    that is ``w_y = (1 + p_t[y]) ** eps - 1`` for the target class and
    ``w_c = p_t[c] ** eps`` for the others; the rows are averaged. There is
    no ``tau**2`` factor. The teacher is detached.

    ``eps`` is the paper's modulating parameter ``gamma >= 1`` (the official
    code's ``--ofa-eps``). With ``eps = 1`` the loss is the cross-entropy of
    the teacher's soft labels, i.e. KD without the ``tau**2`` factor (KL plus
    the teacher's entropy). Added to the task cross-entropy ``-log p_s[y]``
    of the same logits (at ``tau = 1``), the target class is weighted by
    ``(1 + p_t[y]) ** eps``: the paper's adaptive target enhancement, which
    grows with the teacher's confidence in the true class. OFA-KD applies
    this loss to the student's logits and to each exit branch
    (:class:`~sfkd.models.connectors.ExitBranchConnector`), each against the
    teacher's logits. The form above, powers on the non-target weights
    included, is that of the official implementation (github.com/Hao840/OFAKD).

    Inputs are logits ``(N, C)``; ``target`` holds class indices ``(N,)``.

    Args:
        eps: The modulating exponent, at least 1. Defaults to 1.0.
        tau: Softmax temperature. Defaults to 1 (the official default).
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, eps: float = 1.0, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.eps = number(eps, 'eps', at_least=1,
                          why="OFA's modulating exponent gamma; 1 is plain soft-label "
                              'cross-entropy')
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')

    def compute(self, student: Tensor, teacher: Tensor, target: Tensor) -> Tensor:
        """Compute the unweighted OFA loss.

        Args:
            student: Student (or exit branch) logits ``(N, C)``.
            teacher: Teacher logits ``(N, C)``.
            target: Ground-truth class indices ``(N,)``, dtype long.

        Returns:
            Scalar loss tensor.
        """
        if student.dim() != 2 or student.shape != teacher.shape:
            raise ValueError(f'OFALoss takes student and teacher logits (N, C) of one shape, '
                             f'got {tuple(student.shape)} and {tuple(teacher.shape)}')
        target = target.reshape(-1)
        if target.numel() != student.shape[0]:
            raise ValueError(f'OFALoss needs one class index per row: {target.numel()} '
                             f'targets for {student.shape[0]} rows')
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        p_t = F.softmax(teacher.detach() / self.tau, dim=1)
        one_hot = F.one_hot(target, student.shape[1]).to(p_t.dtype)
        weights = (p_t + one_hot).pow(self.eps) - one_hot
        return -(weights * log_p_s).sum(dim=1).mean()

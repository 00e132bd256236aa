"""Factor transfer: L1 distance between normalised factors."""
import torch.nn.functional as F
from torch import Tensor

from sfkd.registry import MODELS
from .utils import check_same_batch
from .base import DistillLoss


@MODELS.register_module()
class FTLoss(DistillLoss):
    """Factor transfer, the distillation-stage loss.

    "Paraphrasing Complex Network: Network Compression via Factor Transfer",
    J. Kim, S. Park and N. Kwak, NeurIPS 2018, arXiv:1802.04977.

    The student factor comes from the student feature through the translator
    and the teacher factor from the teacher feature through the paraphraser,
    trained beforehand as an autoencoder of the teacher feature. Neither is part
    of this loss, and sfkd ships neither: a student connector can play the
    translator, and the paraphraser stage has no sfkd config yet. Each
    factor ``(N, ...)`` is flattened to ``(N, D)`` and L2-normalised per sample;
    the loss is ``mean(|f_s - f_t|**p)`` over batch and ``D`` with ``p = 1``,
    i.e. ``nn.L1Loss`` as in the authors' code (the authors weight it by 500,
    RepDistiller by 200). RepDistiller's ``FactorTransfer`` differs: it first
    reduces each factor to an attention map (channel mean of squares).

    Both factors must have the same number of elements per sample. The teacher
    is detached.

    Args:
        p: Exponent of the elementwise distance. Defaults to 1.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, p: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.p = float(p)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted factor-transfer loss.

        Args:
            student: Translated student factor ``(N, ...)``.
            teacher: Paraphrased teacher factor with ``D`` matching the student.

        Returns:
            Scalar loss tensor.
        """
        check_same_batch(student, teacher, 'FTLoss')
        f_s, f_t = student.flatten(1), teacher.detach().flatten(1)
        if f_s.shape != f_t.shape:
            raise ValueError(f'FTLoss needs factors of the same size per sample, got '
                             f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)}')
        diff = F.normalize(f_s, dim=1) - F.normalize(f_t, dim=1)
        return diff.abs().pow(self.p).mean()

"""Contrastive representation distillation with momentum memory banks."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.options import number
from .base import DistillLoss

_EPS = 1e-7


@MODELS.register_module()
class CRDLoss(DistillLoss):
    """Contrastive representation distillation (NCE form).

    "Contrastive Representation Distillation", Y. Tian, D. Krishnan and
    P. Isola, ICLR 2020, arXiv:1910.10699.

    Student and teacher features ``(N, ...)`` are flattened, mapped by a
    linear layer each to ``feat_dim`` and L2-normalised (``v_s``, ``v_t``). Two
    memory banks of shape ``(num_data, feat_dim)`` hold a momentum average of
    past student (``memory_s``) and teacher (``memory_t``) embeddings of every
    training sample. For each sample, row 0 of ``contrast_index`` is its own
    index (the positive) and the other ``K`` rows are negatives. Scores are
    ``exp(<memory, v> / nce_t) / Z`` with the student as anchor against
    ``memory_t`` and the teacher as anchor against ``memory_s``; each ``Z`` is
    fixed at the first call to ``num_data`` times the mean score of that batch
    (as in RepDistiller) and stored in a buffer. With the noise probability
    ``Pn = 1 / num_data``, each side contributes RepDistiller's
    ``ContrastLoss`` (the paper's Eq. 18)::

        -(sum_i log(P_i0 / (P_i0 + K Pn + eps))
          + sum_{i,k>0} log(K Pn / (P_ik + K Pn + eps))) / N

    and the loss is the sum of both sides. In training mode, after the loss is
    computed, the rows ``index`` of both banks become
    ``normalize(nce_m * memory + (1 - nce_m) * v)``.

    Without ``contrast_index``, ``nce_k`` negatives per sample are drawn
    uniformly from all ``num_data`` indices (they may include the positive), as
    RepDistiller's sampler does with uniform weights. The banks and ``Z`` are
    buffers, saved in checkpoints. Scores are computed in at least float32,
    even under autocast, because ``exp(1 / 0.07)`` overflows float16. The
    teacher feature is detached; the teacher embedding is trained by this loss.

    Args:
        student_channels: Flattened size of the student feature.
        teacher_channels: Flattened size of the teacher feature.
        num_data: Number of training samples (rows of each memory bank).
        feat_dim: Embedding size. Defaults to 128.
        nce_k: Negatives per sample when ``contrast_index`` is not given.
            Defaults to 16384.
        nce_t: Temperature. Defaults to 0.07.
        nce_m: Momentum of the memory update. Defaults to 0.5.
        loss_weight: Multiplier of the loss. Defaults to 1.0 (RepDistiller
            uses 0.8).
    """

    def __init__(self, student_channels: int, teacher_channels: int, num_data: int,
                 feat_dim: int = 128, nce_k: int = 16384, nce_t: float = 0.07,
                 nce_m: float = 0.5, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.num_data = num_data
        self.nce_k = nce_k
        self.nce_t = number(nce_t, 'nce_t', above=0, why='the contrastive temperature')
        self.nce_m = float(nce_m)
        self.embed_s = nn.Linear(student_channels, feat_dim)
        self.embed_t = nn.Linear(teacher_channels, feat_dim)
        bound = 1.0 / math.sqrt(feat_dim / 3)
        for name in ('memory_s', 'memory_t'):
            self.register_buffer(name, torch.empty(num_data, feat_dim).uniform_(-bound, bound))
        # normalisation constants; negative means "set from the next batch"
        self.register_buffer('z_s', torch.tensor(-1.0))
        self.register_buffer('z_t', torch.tensor(-1.0))

    def compute(self, student: Tensor, teacher: Tensor, index: Tensor,
                contrast_index: Optional[Tensor] = None) -> Tensor:
        """Compute the unweighted CRD loss and update the memory banks.

        Args:
            student: Student feature ``(N, ...)`` with ``student_channels``
                elements per sample.
            teacher: Teacher feature ``(N, ...)`` with ``teacher_channels``
                elements per sample.
            index: Dataset indices of the batch, LongTensor ``(N,)``.
            contrast_index: Optional LongTensor ``(N, K + 1)``; column 0 must
                be ``index``, the rest are negatives.

        Returns:
            Scalar loss tensor.
        """
        self._check_index(index, contrast_index, len(student))
        v_s = self._embed(self.embed_s, student, self.student_channels, 'student')
        v_t = self._embed(self.embed_t, teacher.detach(), self.teacher_channels, 'teacher')
        if contrast_index is None:
            contrast_index = self.sample_contrast_index(index)
        prob_s = self._probabilities(self.memory_t, contrast_index, v_s, self.z_s)
        prob_t = self._probabilities(self.memory_s, contrast_index, v_t, self.z_t)
        loss = self.nce_loss(prob_s) + self.nce_loss(prob_t)
        if self.training:
            self._update_memory(index, v_s, v_t)
        return loss

    def sample_contrast_index(self, index: Tensor) -> Tensor:
        """Return ``(N, nce_k + 1)`` indices: the positive, then uniform negatives."""
        negatives = torch.randint(self.num_data, (len(index), self.nce_k),
                                  device=index.device)
        return torch.cat([index[:, None], negatives], dim=1)

    def nce_loss(self, prob: Tensor) -> Tensor:
        """NCE loss of ``(N, K + 1)`` scores whose column 0 is the positive."""
        k_pn = (prob.shape[1] - 1) / self.num_data
        log_pos = torch.log(prob[:, 0] / (prob[:, 0] + k_pn + _EPS))
        log_neg = torch.log(k_pn / (prob[:, 1:] + k_pn + _EPS))
        return -(log_pos.sum() + log_neg.sum()) / prob.shape[0]

    def _embed(self, linear: nn.Linear, feature: Tensor, channels: int,
               name: str) -> Tensor:
        flat = feature.flatten(1) if feature.dim() > 1 else feature
        if flat.dim() != 2 or flat.shape[1] != channels:
            raise ValueError(f'CRDLoss expects the {name} feature to have {channels} '
                             f'elements per sample, got shape {tuple(feature.shape)}')
        return F.normalize(linear(flat), dim=1)

    def _check_index(self, index: Tensor, contrast_index: Optional[Tensor],
                     batch: int) -> None:
        if index.shape != (batch,):
            raise ValueError(f'CRDLoss expects index of shape ({batch},), '
                             f'got {tuple(index.shape)}')
        if contrast_index is not None and (contrast_index.dim() != 2
                                           or contrast_index.shape[0] != batch
                                           or contrast_index.shape[1] < 2):
            raise ValueError(f'CRDLoss expects contrast_index of shape ({batch}, K + 1) '
                             f'with K >= 1, got {tuple(contrast_index.shape)}')

    def _probabilities(self, memory: Tensor, contrast_index: Tensor, anchor: Tensor,
                       z: Tensor) -> Tensor:
        """Return ``exp(<memory[contrast_index], anchor> / T) / Z``, ``(N, K + 1)``."""
        dtype = torch.promote_types(anchor.dtype, torch.float32)
        with torch.autocast(device_type=anchor.device.type, enabled=False):
            rows = memory[contrast_index].to(dtype)  # (N, K + 1, D)
            scores = torch.bmm(rows, anchor.to(dtype)[:, :, None]).squeeze(2)
            scores = torch.exp(scores / self.nce_t)
        if z.item() < 0:
            z.fill_(scores.detach().mean().item() * self.num_data)
        return scores / z

    @torch.no_grad()
    def _update_memory(self, index: Tensor, v_s: Tensor, v_t: Tensor) -> None:
        for memory, v in ((self.memory_s, v_s), (self.memory_t, v_t)):
            mixed = self.nce_m * memory[index] + (1 - self.nce_m) * v.to(memory.dtype)
            memory.index_copy_(0, index, F.normalize(mixed, dim=1))

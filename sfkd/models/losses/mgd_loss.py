"""MGD: regenerate the teacher feature from a randomly masked student one."""
from typing import Optional

import torch
from torch import Tensor, nn

from sfkd.registry import MODELS
from .base import DistillLoss


@MODELS.register_module()
class MGDLoss(DistillLoss):
    """Masked Generative Distillation (MGD).

    "Masked Generative Distillation", Z. Yang, Z. Li, M. Shao, D. Shi,
    Z. Yuan and C. Yuan, ECCV 2022, arXiv:2205.01529.

    A random spatial mask ``M`` of shape ``(N, 1, H, W)`` zeroes each position
    with probability ``lambda_mgd`` (keeps it with ``1 - lambda_mgd``); a
    generation block ``conv3x3 -> ReLU -> conv3x3`` (``channels`` in and out,
    padding 1, learnable, owned by this loss) turns the masked student map
    into a prediction of the teacher map::

        loss = sum((G(s * M) - t)**2) / N

    The student map must already have the teacher's channel count (align it
    with a connector first). The teacher is detached.

    The paper/official weights (the official ``alpha_mgd``) are not the
    default here: set ``loss_weight=2e-5`` with ``lambda_mgd=0.65`` for
    detection and segmentation, as the paper does. For classification the
    official code uses ``alpha_mgd=7e-5``, ``lambda_mgd=0.15`` and masks
    whole channels rather than positions, which this class does not do.

    The mask is drawn with ``torch.rand``: from ``generator`` when one is
    given (then on the generator's device), otherwise from the global RNG on
    the student's device, so ``torch.manual_seed`` makes it reproducible.

    Args:
        channels: Channels of the (aligned) student and teacher maps.
        lambda_mgd: Probability that a position is masked. Defaults to 0.65.
        generator: Optional RNG for the mask. Defaults to None.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 channels: int,
                 lambda_mgd: float = 0.65,
                 generator: Optional[torch.Generator] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if not 0.0 <= lambda_mgd <= 1.0:
            raise ValueError(f'lambda_mgd must be in [0, 1], got {lambda_mgd}')
        self.channels = int(channels)
        self.lambda_mgd = float(lambda_mgd)
        self.generator = generator
        self.generation = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1))

    def random_mask(self, feat: Tensor) -> Tensor:
        """Draw a keep-mask ``(N, 1, H, W)`` of 0/1 values for ``feat``.

        Args:
            feat: Student map ``(N, C, H, W)``.

        Returns:
            Mask in ``feat``'s dtype and device.
        """
        n, _, h, w = feat.shape
        if self.generator is None:
            rand = torch.rand((n, 1, h, w), device=feat.device)
        else:
            rand = torch.rand((n, 1, h, w), generator=self.generator,
                              device=self.generator.device)
        # Same rule as the official code: a position is dropped when its
        # draw exceeds 1 - lambda_mgd.
        keep = rand <= 1.0 - self.lambda_mgd
        return keep.to(device=feat.device, dtype=feat.dtype)

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the unweighted MGD loss.

        Args:
            student: Channel-aligned student map ``(N, channels, H, W)``.
            teacher: Teacher map of the same shape.

        Returns:
            Scalar loss tensor.
        """
        if student.shape != teacher.shape or student.dim() != 4:
            raise ValueError('expected two (N, C, H, W) maps of one shape, got '
                             f'{tuple(student.shape)} and {tuple(teacher.shape)}')
        if student.shape[1] != self.channels:
            raise ValueError(f'expected {self.channels} channels, '
                             f'got {student.shape[1]}')
        generated = self.generation(student * self.random_mask(student))
        return (generated - teacher.detach()).pow(2).sum() / student.shape[0]

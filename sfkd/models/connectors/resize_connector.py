"""Resize a feature map to the target's spatial size."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from sfkd.registry import MODELS


@MODELS.register_module()
class ResizeConnector(nn.Module):
    """Interpolates ``(N, C, H, W)`` to ``(N, C, *size)``.

    ``size`` may be left out: the distiller fills it in from the target record.

    Args:
        size: Target (H, W).
        mode: ``bilinear`` or ``nearest``; ``area`` for shrinking.
    """

    def __init__(self, size: Optional[Sequence[int]] = None, mode: str = 'bilinear') -> None:
        super().__init__()
        self.size = tuple(size) if size is not None else None
        self.mode = mode

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the source and target record shapes."""
        return dict(size=tuple(dst_shape[2:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.size is None or tuple(x.shape[-2:]) == self.size:
            return x
        align = False if self.mode in ('bilinear', 'bicubic') else None
        return F.interpolate(x, size=self.size, mode=self.mode, align_corners=align)

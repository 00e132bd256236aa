"""1x1 convolution + BatchNorm (+ optional ReLU): the usual channel adapter."""
import torch
from torch import nn

from sfkd.registry import MODELS

from ..norm import norm_layer


@MODELS.register_module()
class ConvBNConnector(nn.Module):
    """Maps (N, in_channels, H, W) to (N, out_channels, H, W).

    ``in_channels`` and ``out_channels`` may be left out of configs: the
    distiller fills them in from a dry forward pass of both models.

    Args:
        in_channels: Channels of the source record.
        out_channels: Channels of the target record.
        kernel_size: 1 (FitNets-style hint) or 3.
        relu: Append a ReLU.
        norm: ``'bn'`` (default), ``'gn'`` or ``'none'``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 relu: bool = False, norm: str = 'bn') -> None:
        super().__init__()
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                            bias=norm == 'none'),
                  norm_layer(norm, out_channels)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        self.layers = nn.Sequential(*layers)

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the source and target record shapes."""
        return dict(in_channels=src_shape[1], out_channels=dst_shape[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)

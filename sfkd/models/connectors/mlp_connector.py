"""A two-layer MLP on vector records (flattened first)."""
import math
from typing import Optional

import torch
from torch import nn

from sfkd.registry import MODELS


@MODELS.register_module()
class MLPConnector(nn.Module):
    """Linear -> ReLU -> Linear, mapping in_channels to out_channels.

    Args:
        in_channels: Features of the source record (after flattening).
        out_channels: Features of the target record.
        hidden_channels: Width of the hidden layer (default: out_channels).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 hidden_channels: Optional[int] = None) -> None:
        super().__init__()
        hidden = hidden_channels or out_channels
        self.layers = nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(inplace=True),
                                    nn.Linear(hidden, out_channels))

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the source and target record shapes."""
        return dict(in_channels=math.prod(src_shape[1:]), out_channels=math.prod(dst_shape[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.flatten(1) if x.dim() > 2 else x)

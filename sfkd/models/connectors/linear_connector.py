"""A linear map on the last dimension of a vector record."""
import math

import torch
from torch import nn

from sfkd.registry import MODELS


@MODELS.register_module()
class LinearConnector(nn.Module):
    """Maps (..., in_channels) to (..., out_channels); maps are flattened first.

    Args:
        in_channels: Features of the source record (after flattening).
        out_channels: Features of the target record.
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, out_channels, bias=bias)

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the source and target record shapes."""
        return dict(in_channels=math.prod(src_shape[1:]), out_channels=math.prod(dst_shape[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() > 2:
            x = x.flatten(1)
        return self.fc(x)

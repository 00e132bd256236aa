"""A LeNet-5 style backbone: LW-KD's lightweight teacher."""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError


@MODELS.register_module()
class LeNet(BaseModule):
    """Two 5x5 conv + ReLU + 2x2 max-pool stages, then fully connected layers.

    After "Gradient-Based Learning Applied to Document Recognition",
    Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, Proc. IEEE 1998, with ReLU
    and max pooling; the first convolution pads by 2, so a 28x28 input works
    as LeNet-5's 32x32 does. The output is the last hidden layer, a vector
    per sample, for a linear classification head.

    Args:
        in_channels: Input channels. Defaults to 1.
        input_size: Side of the (square) input images. Defaults to 28.
        channels: Channels of the two convolutions. Defaults to (6, 16).
        hidden: Widths of the fully connected layers. Defaults to (120, 84).
        init_cfg: MMEngine initialisation config.
    """

    def __init__(self, in_channels: int = 1, input_size: int = 28,
                 channels: Sequence[int] = (6, 16), hidden: Sequence[int] = (120, 84),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        side = (input_size // 2 - 4) // 2  # pad 2, conv 5, pool 2, conv 5, pool 2
        if len(channels) != 2 or side < 1:
            raise BadConfigError(f'LeNet needs two conv channels and inputs of at least 12 '
                                 f'pixels, got channels={channels!r}, input_size={input_size!r}')
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], 5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(channels[0], channels[1], 5), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        layers, width = [], channels[1] * side * side
        for units in hidden:
            layers += [nn.Linear(width, units), nn.ReLU(inplace=True)]
            width = units
        self.fc = nn.Sequential(*layers)
        self.out_channels = width

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.fc(self.features(x).flatten(1)), )

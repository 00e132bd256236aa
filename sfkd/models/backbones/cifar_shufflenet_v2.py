"""CIFAR ShuffleNet V2 of the RepDistiller model zoo.

ShuffleNet V2 of Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient
CNN Architecture Design" (ECCV 2018), adapted to 32x32 inputs as ``ShuffleV2``
in RepDistiller (https://github.com/HobbitLong/RepDistiller), the code of
Tian et al., "Contrastive Representation Distillation" (ICLR 2020).
"""
from typing import Dict, Sequence, Tuple

import torch
from torch import nn

from sfkd.registry import MODELS
from .staged_backbone import StagedBackbone

# net_size -> (stage channels, final 1x1 conv channels, basic units per stage)
_CONFIGS: Dict[float, Tuple[Tuple[int, int, int], int, Tuple[int, int, int]]] = {
    0.2: ((40, 80, 160), 512, (3, 3, 3)),
    0.3: ((40, 80, 160), 512, (3, 7, 3)),
    0.5: ((48, 96, 192), 1024, (3, 7, 3)),
    1.0: ((116, 232, 464), 1024, (3, 7, 3)),
    1.5: ((176, 352, 704), 1024, (3, 7, 3)),
    2.0: ((224, 488, 976), 2048, (3, 7, 3)),
}


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1,
             depthwise: bool = False, relu: bool = True) -> nn.Sequential:
    """Conv (1x1, or 3x3 depthwise) without bias, BN, optional ReLU."""
    groups = in_channels if depthwise else 1
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                        groups=groups, bias=False),
              nn.BatchNorm2d(out_channels)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _channel_shuffle(x: torch.Tensor, groups: int = 2) -> torch.Tensor:
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class BasicUnit(nn.Module):
    """Stride-1 unit: split channels in half, transform one half, concat, shuffle.

    Args:
        channels: Input and output channels.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.branch = nn.Sequential(
            _conv_bn(half, half), _conv_bn(half, half, 3, depthwise=True, relu=False),
            _conv_bn(half, half))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=1)
        return _channel_shuffle(torch.cat([x1, self.branch(x2)], 1))


class DownUnit(nn.Module):
    """Stride-2 unit: two branches on the whole input, concat, shuffle.

    Args:
        in_channels: Input channels.
        out_channels: Output channels (half from each branch).
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        mid = out_channels // 2
        self.left = nn.Sequential(
            _conv_bn(in_channels, in_channels, 3, 2, depthwise=True, relu=False),
            _conv_bn(in_channels, mid))
        self.right = nn.Sequential(
            _conv_bn(in_channels, mid), _conv_bn(mid, mid, 3, 2, depthwise=True, relu=False),
            _conv_bn(mid, mid))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _channel_shuffle(torch.cat([self.left(x), self.right(x)], 1))


@MODELS.register_module()
class CIFARShuffleNetV2(StagedBackbone):
    """ShuffleNet V2 for 32x32 inputs, as ``ShuffleV2`` in RepDistiller.

    A 1x1 conv-BN-ReLU stem with 24 channels (no stride, no max-pool), three
    stages of one stride-2 unit plus ``num_blocks`` stride-1 units, and the
    final 1x1 conv-BN-ReLU (``conv2`` in RepDistiller), here the stage
    ``layer4`` so that it can be tapped and returned like the others. For a
    32x32 input and ``net_size=1.0`` (RepDistiller's model):

    ==========  ========  ======  ===========
    Module      Channels  Stride  Output size
    ==========  ========  ======  ===========
    ``stem``    24        1       32x32
    ``layer1``  116       2       16x16
    ``layer2``  232       4       8x8
    ``layer3``  464       8       4x4
    ``layer4``  1024      8       4x4
    ==========  ========  ======  ===========

    RepDistiller's ``f1``-``f3`` features are the outputs of ``layer1``-
    ``layer3``; its classifier input is a 4x4 average pool of ``layer4``, i.e.
    a global average pool. Other ``net_size`` values: 0.2, 0.3, 0.5, 1.5, 2.0
    (RepDistiller's table; 0.2 and 0.3 use 512 final channels, 2.0 uses 2048).

    Args:
        net_size: Width setting, a key of RepDistiller's config table.
        in_channels: Input image channels.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        init_cfg: MMEngine initialisation config.

    Raises:
        ValueError: If ``net_size`` is unknown or an index is out of range.
    """

    def __init__(self,
                 net_size: float = 1.0,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (3, ),
                 init_cfg=None) -> None:
        if net_size not in _CONFIGS:
            raise ValueError(f'Unknown CIFARShuffleNetV2 net_size {net_size!r}; '
                             f'valid net_sizes: {list(_CONFIGS)}')
        stage_channels, last_channels, num_blocks = _CONFIGS[net_size]
        super().__init__((*stage_channels, last_channels), out_indices, init_cfg=init_cfg)
        self.stem = _conv_bn(in_channels, 24)
        channels = 24
        for out_channels, blocks in zip(stage_channels, num_blocks):
            units = [DownUnit(channels, out_channels)]
            units += [BasicUnit(out_channels) for _ in range(blocks)]
            self.add_stage(nn.Sequential(*units))
            channels = out_channels
        self.add_stage(_conv_bn(channels, last_channels))  # layer4

"""CIFAR ShuffleNet V1 of the RepDistiller model zoo.

ShuffleNet of Zhang et al., "ShuffleNet: An Extremely Efficient Convolutional
Neural Network for Mobile Devices" (CVPR 2018), adapted to 32x32 inputs as
``ShuffleV1`` in RepDistiller (https://github.com/HobbitLong/RepDistiller),
the code of Tian et al., "Contrastive Representation Distillation"
(ICLR 2020).
"""
from typing import Dict, Sequence, Tuple

import torch
from torch import nn

from sfkd.registry import MODELS
from .staged_backbone import StagedBackbone

# groups -> stage output channels (ShuffleNet paper, Table 1, scale 1x).
# Groups 4 and 8 are left out: with RepDistiller's block widths their first
# block's bottleneck width is not divisible by the number of groups.
_STAGE_CHANNELS: Dict[int, Tuple[int, int, int]] = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
}


class ChannelShuffle(nn.Module):
    """Interleaves the channels of ``groups`` equal groups.

    Args:
        groups: Number of channel groups.
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNet unit: grouped 1x1, shuffle, depthwise 3x3, grouped 1x1.

    With stride 2 the shortcut is a 3x3 average pool that is concatenated with
    the residual branch (which then outputs ``out_channels - in_channels``
    channels); with stride 1 it is added.

    Args:
        in_channels: Input channels.
        out_channels: Output channels of the unit.
        stride: 1 or 2.
        groups: Groups of the 1x1 convolutions.
        first_group_conv: Whether the first 1x1 convolution is grouped (the
            paper does not group it on the narrow output of the stem).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 groups: int,
                 first_group_conv: bool = True) -> None:
        super().__init__()
        self.stride = stride
        branch_channels = out_channels - in_channels if stride == 2 else out_channels
        mid_channels = branch_channels // 4
        first_groups = groups if first_group_conv else 1
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.shuffle = ChannelShuffle(first_groups)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride, 1, groups=mid_channels,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(mid_channels, branch_channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.AvgPool2d(3, 2, 1) if stride == 2 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.shuffle(self.relu(self.bn1(self.conv1(x))))
        # RepDistiller applies ReLU after the depthwise conv, unlike the paper.
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        res = self.shortcut(x)
        out = torch.cat([out, res], 1) if self.stride == 2 else out + res
        return self.relu(out)


@MODELS.register_module()
class CIFARShuffleNetV1(StagedBackbone):
    """ShuffleNet V1 (1x) for 32x32 inputs, as ``ShuffleV1`` in RepDistiller.

    A 1x1 conv-BN-ReLU stem with 24 channels (no stride, no max-pool), then
    three stages of ``num_blocks`` units, each starting with a stride-2 unit.
    For a 32x32 input and the default ``groups=3`` (RepDistiller's model):

    ==========  ========================  ======  ===========
    Module      Channels (g = 1 / 2 / 3)  Stride  Output size
    ==========  ========================  ======  ===========
    ``stem``    24                        1       32x32
    ``layer1``  144 / 200 / 240           2       16x16
    ``layer2``  288 / 400 / 480           4       8x8
    ``layer3``  576 / 800 / 960           8       4x4
    ==========  ========================  ======  ===========

    Stage outputs are taken after the last unit's ReLU. RepDistiller pools
    ``layer3`` with a 4x4 average pool, i.e. a global average pool.

    Args:
        groups: Groups of the 1x1 convolutions: 1, 2 or 3.
        num_blocks: Units in each stage.
        in_channels: Input image channels.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        init_cfg: MMEngine initialisation config.

    Raises:
        ValueError: If ``groups`` is not supported or an index is out of range.
    """

    def __init__(self,
                 groups: int = 3,
                 num_blocks: Sequence[int] = (4, 8, 4),
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg=None) -> None:
        if groups not in _STAGE_CHANNELS:
            raise ValueError(f'Unsupported CIFARShuffleNetV1 groups {groups!r}; '
                             f'valid groups: {list(_STAGE_CHANNELS)}')
        if len(num_blocks) != 3:
            raise ValueError(f'num_blocks must have 3 entries, got {tuple(num_blocks)}')
        super().__init__(_STAGE_CHANNELS[groups], out_indices, init_cfg=init_cfg)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 24, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True))
        channels = 24
        for i, (out_channels, blocks) in enumerate(zip(self.stage_channels, num_blocks)):
            units = [ShuffleUnit(channels, out_channels, 2, groups, first_group_conv=i > 0)]
            units += [ShuffleUnit(out_channels, out_channels, 1, groups) for _ in range(blocks - 1)]
            self.add_stage(nn.Sequential(*units))
            channels = out_channels

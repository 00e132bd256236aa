"""CIFAR Wide ResNets of the RepDistiller model zoo.

WRN-d-k of Zagoruyko and Komodakis, "Wide Residual Networks" (BMVC 2016),
with pre-activation blocks, as ``wrn_16_1``, ``wrn_16_2``, ``wrn_40_1`` and
``wrn_40_2`` in RepDistiller (https://github.com/HobbitLong/RepDistiller), the
code of Tian et al., "Contrastive Representation Distillation" (ICLR 2020).
"""
from collections import OrderedDict
from typing import Sequence

import torch
from torch import nn

from sfkd.registry import MODELS
from .staged_backbone import StagedBackbone


class PreActBlock(nn.Module):
    """Pre-activation block: BN-ReLU-conv-BN-ReLU-(dropout)-conv, plus shortcut.

    When the shape changes, the 1x1 projection shortcut takes the activated
    input (BN-ReLU of ``x``), as in the WRN reference code; otherwise the
    shortcut is the raw input.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: Stride of the first convolution and of the projection.
        drop_rate: Dropout probability between the two convolutions.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(drop_rate) if drop_rate > 0 else nn.Identity()
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.relu(self.bn1(x))
        residual = x if self.shortcut is None else self.shortcut(act)
        out = self.relu(self.bn2(self.conv1(act)))
        out = self.conv2(self.dropout(out))
        return out + residual


@MODELS.register_module()
class CIFARWideResNet(StagedBackbone):
    """Wide ResNet WRN-``depth``-``widen_factor`` for 32x32 inputs.

    A 3x3 conv stem (no BN or ReLU) and three stages of ``(depth - 4) / 6``
    pre-activation blocks. ``layer1`` and ``layer2`` output the raw residual
    sum (each block activates its own input); ``layer3`` ends with the final
    BN-ReLU (``layer3.bn``, ``layer3.relu``), so its output is what the
    classifier pools. RepDistiller's ``f3`` feature is the input of
    ``layer3.bn``. For a 32x32 input and widen factor ``k``:

    ==========  ========  ======  ===========
    Module      Channels  Stride  Output size
    ==========  ========  ======  ===========
    ``stem``    16        1       32x32
    ``layer1``  16k       1       32x32
    ``layer2``  32k       2       16x16
    ``layer3``  64k       4       8x8
    ==========  ========  ======  ===========

    RepDistiller's models: ``wrn_16_1``, ``wrn_16_2``, ``wrn_40_1``,
    ``wrn_40_2`` (``depth=40, widen_factor=2``). Convolutions are initialised
    as in RepDistiller (Kaiming-normal, fan-out) unless ``init_cfg`` says
    otherwise.

    Args:
        depth: Number of weighted layers; must be ``6n + 4``.
        widen_factor: Width multiplier ``k`` of the stages.
        drop_rate: Dropout probability inside each block.
        in_channels: Input image channels.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        init_cfg: MMEngine initialisation config.

    Raises:
        ValueError: If ``depth`` is not ``6n + 4`` or an index is out of range.
    """

    def __init__(self,
                 depth: int = 40,
                 widen_factor: int = 2,
                 drop_rate: float = 0.0,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg=None) -> None:
        if depth < 10 or (depth - 4) % 6 != 0:
            raise ValueError(f'WRN depth must be 6n + 4 with n >= 1 (e.g. 16, 40), got {depth}')
        super().__init__([c * widen_factor for c in (16, 32, 64)], out_indices, init_cfg=init_cfg)
        self.stem = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        num_blocks = (depth - 4) // 6
        channels = 16
        for i, out_channels in enumerate(self.stage_channels):
            blocks = OrderedDict()
            for j in range(num_blocks):
                stride = 2 if i > 0 and j == 0 else 1
                blocks[str(j)] = PreActBlock(channels, out_channels, stride, drop_rate)
                channels = out_channels
            if i == len(self.stage_channels) - 1:
                blocks['bn'] = nn.BatchNorm2d(channels)
                blocks['relu'] = nn.ReLU(inplace=True)
            self.add_stage(nn.Sequential(blocks))
        self.init_conv_weights()

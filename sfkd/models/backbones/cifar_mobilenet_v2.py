"""CIFAR MobileNetV2 of the RepDistiller model zoo.

MobileNetV2 of Sandler et al., "MobileNetV2: Inverted Residuals and Linear
Bottlenecks" (CVPR 2018), in the variant of Jin et al., "Knowledge
Distillation via Route Constrained Optimization" (ICCV 2019) that
RepDistiller (https://github.com/HobbitLong/RepDistiller), the code of Tian et
al., "Contrastive Representation Distillation" (ICLR 2020), uses as
``MobileNetV2`` (``mobile_half``: width 0.5, expansion 6).
"""
from typing import List, Sequence, Tuple

import torch
from torch import nn

from sfkd.registry import MODELS
from .staged_backbone import StagedBackbone

# (channels at width 1, blocks, stride of the first block) of layer1..layer7;
# the expansion ratio of layer1 is 1, of the others ``expand_ratio``.
_SETTINGS: List[Tuple[int, int, int]] = [
    (16, 1, 1), (24, 2, 1), (32, 3, 2), (64, 4, 2), (96, 3, 1), (160, 3, 2), (320, 1, 1)]


def _conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int,
                  stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class InvertedResidual(nn.Module):
    """1x1 expansion, 3x3 depthwise, linear 1x1 projection, identity shortcut.

    Unlike torchvision, the expansion convolution is kept when
    ``expand_ratio`` is 1, as in RepDistiller.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: Stride of the depthwise convolution.
        expand_ratio: Ratio of hidden to input channels.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            _conv_bn_relu(in_channels, hidden, 1),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_shortcut else out


@MODELS.register_module()
class CIFARMobileNetV2(StagedBackbone):
    """MobileNetV2 for 32x32 inputs, as ``MobileNetV2`` in RepDistiller.

    A stride-2 3x3 conv-BN-ReLU stem, seven stages of inverted residual
    blocks, and the final 1x1 conv-BN-ReLU (``conv2`` in RepDistiller) as the
    stage ``layer8``. Channels are ``int(c * width_mult)`` (no rounding to a
    multiple of 8); the final conv keeps 1280 channels unless
    ``width_mult > 1``. For a 32x32 input and ``width_mult=0.5``:

    ==========  ========  ======  ===========
    Module      Channels  Stride  Output size
    ==========  ========  ======  ===========
    ``stem``    16        2       16x16
    ``layer1``  8         2       16x16
    ``layer2``  12        2       16x16
    ``layer3``  16        4       8x8
    ``layer4``  32        8       4x4
    ``layer5``  48        8       4x4
    ``layer6``  80        16      2x2
    ``layer7``  160       16      2x2
    ``layer8``  1280      16      2x2
    ==========  ========  ======  ===========

    RepDistiller's features ``f1``-``f4`` are the outputs of ``layer2``,
    ``layer3``, ``layer5`` and ``layer7``; its classifier input is a 2x2
    average pool of ``layer8``, i.e. a global average pool for 32x32 inputs.

    Args:
        width_mult: Width multiplier (0.5 is RepDistiller's ``mobile_half``).
        expand_ratio: Expansion ratio ``T`` of the blocks of layer2-layer7.
        in_channels: Input image channels.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        init_cfg: MMEngine initialisation config.

    Raises:
        ValueError: If an index is out of range.
    """

    def __init__(self,
                 width_mult: float = 0.5,
                 expand_ratio: int = 6,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (7, ),
                 init_cfg=None) -> None:
        last_channels = int(1280 * width_mult) if width_mult > 1.0 else 1280
        widths = [int(c * width_mult) for c, _, _ in _SETTINGS]
        super().__init__((*widths, last_channels), out_indices, init_cfg=init_cfg)
        channels = int(32 * width_mult)
        self.stem = _conv_bn_relu(in_channels, channels, 3, stride=2)
        for i, (width, (_, blocks, stride)) in enumerate(zip(widths, _SETTINGS)):
            ratio = 1 if i == 0 else expand_ratio
            layers = []
            for j in range(blocks):
                layers.append(InvertedResidual(channels, width, stride if j == 0 else 1, ratio))
                channels = width
            self.add_stage(nn.Sequential(*layers))
        self.add_stage(_conv_bn_relu(channels, last_channels, 1))  # layer8
        self.init_conv_weights()

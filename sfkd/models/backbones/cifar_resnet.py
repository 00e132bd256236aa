"""CIFAR ResNets of the RepDistiller model zoo.

The 6n+2-layer ResNets of He et al., "Deep Residual Learning for Image
Recognition" (CVPR 2016, Sec. 4.2), in the variants used as teachers and
students by RepDistiller (https://github.com/HobbitLong/RepDistiller), the
code of Tian et al., "Contrastive Representation Distillation" (ICLR 2020),
including its 4x wider ``resnet8x4`` and ``resnet32x4``.
"""
from typing import Dict, Sequence, Tuple

import torch
from torch import nn

from sfkd.registry import MODELS
from ..norm import norm_layer
from .staged_backbone import StagedBackbone

# arch -> (depth, (stem, layer1, layer2, layer3) channels)
_ARCHS: Dict[str, Tuple[int, Tuple[int, int, int, int]]] = {
    'resnet8': (8, (16, 16, 32, 64)),
    'resnet14': (14, (16, 16, 32, 64)),
    'resnet20': (20, (16, 16, 32, 64)),
    'resnet32': (32, (16, 16, 32, 64)),
    'resnet44': (44, (16, 16, 32, 64)),
    'resnet56': (56, (16, 16, 32, 64)),
    'resnet110': (110, (16, 16, 32, 64)),
    'resnet8x4': (8, (32, 64, 128, 256)),
    'resnet32x4': (32, (32, 64, 128, 256)),
}


class CIFARBasicBlock(nn.Module):
    """Post-activation basic block: conv-norm-ReLU-conv-norm, add shortcut, ReLU.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: Stride of the first convolution and of the projection.
        norm: ``'bn'`` (BatchNorm, default) or ``'gn'`` (GroupNorm).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm: str = 'bn') -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(norm, out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(norm, out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                norm_layer(norm, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


@MODELS.register_module()
class CIFARResNet(StagedBackbone):
    """ResNet for 32x32 inputs, as ``resnet*`` in RepDistiller.

    A 3x3 conv-BN-ReLU stem and three stages of ``(depth - 2) / 6`` basic
    blocks. Stage outputs are taken after the block's final ReLU (RepDistiller's
    ``preact=True`` features are the input of that ReLU). Output channels of
    each stage are in ``stage_channels``; for a 32x32 input:

    ==========  ==================  ===================  ======  ===========
    Module      Channels (plain)    Channels (x4 archs)  Stride  Output size
    ==========  ==================  ===================  ======  ===========
    ``stem``    16                  32                   1       32x32
    ``layer1``  16                  64                   1       32x32
    ``layer2``  32                  128                  2       16x16
    ``layer3``  64                  256                  4       8x8
    ==========  ==================  ===================  ======  ===========

    Archs: ``resnet8``, ``resnet14``, ``resnet20``, ``resnet32``,
    ``resnet44``, ``resnet56``, ``resnet110`` (plain) and ``resnet8x4``,
    ``resnet32x4`` (4x wider). Weights are initialised as in RepDistiller
    (Kaiming-normal, fan-out) unless ``init_cfg`` says otherwise.

    Args:
        arch: Architecture name, one of the archs above.
        in_channels: Input image channels.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        init_cfg: MMEngine initialisation config.

    Raises:
        ValueError: If ``arch`` is unknown or an index is out of range.
    """

    def __init__(self,
                 arch: str = 'resnet20',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg=None) -> None:
        if arch not in _ARCHS:
            raise ValueError(f'Unknown CIFARResNet arch {arch!r}; valid archs: {list(_ARCHS)}')
        depth, (stem_channels, *stage_channels) = _ARCHS[arch]
        super().__init__(stage_channels, out_indices, init_cfg=init_cfg)
        self.arch = arch
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(stem_channels), nn.ReLU(inplace=True))
        num_blocks = (depth - 2) // 6
        channels = stem_channels
        for i, out_channels in enumerate(stage_channels):
            stride = 1 if i == 0 else 2
            blocks = [CIFARBasicBlock(channels, out_channels, stride)]
            blocks += [CIFARBasicBlock(out_channels, out_channels) for _ in range(num_blocks - 1)]
            self.add_stage(nn.Sequential(*blocks))
            channels = out_channels
        self.init_conv_weights()

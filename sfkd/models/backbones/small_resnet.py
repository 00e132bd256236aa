"""A small ResNet for low-resolution images (Fashion-MNIST, CIFAR)."""
from typing import Sequence

from torch import nn

from sfkd.registry import MODELS
from ..norm import norm_layer
from .cifar_resnet import CIFARBasicBlock
from .staged_backbone import StagedBackbone


@MODELS.register_module()
class SmallResNet(StagedBackbone):
    """A CIFAR-style ResNet sized for 2-core CPUs and 28x28 or 32x32 inputs.

    A 3x3 stem, then ``len(stage_channels)`` stages of :class:`CIFARBasicBlock`;
    every stage after the first halves the resolution. Stages are named
    ``layer1``, ``layer2``, ... so that they can be used as attach or tap
    points (``backbone.layer2``).

    Args:
        in_channels: Input image channels (1 for Fashion-MNIST).
        stem_channels: Output channels of the stem convolution.
        stage_channels: Output channels of each stage.
        num_blocks: Number of basic blocks in each stage.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs are returned.
        norm: ``'bn'`` (BatchNorm, default) or ``'gn'`` (GroupNorm, which does
            not depend on the batch).
        init_cfg: MMEngine initialisation config.

    Returns (forward):
        A tuple with the feature map of each stage in ``out_indices``.

    Raises:
        ValueError: If ``stage_channels`` and ``num_blocks`` differ in length
            or an index is out of range.
    """

    def __init__(self,
                 in_channels: int = 1,
                 stem_channels: int = 16,
                 stage_channels: Sequence[int] = (16, 32, 64),
                 num_blocks: Sequence[int] = (1, 1, 1),
                 out_indices: Sequence[int] = (2, ),
                 norm: str = 'bn',
                 init_cfg=None) -> None:
        if len(stage_channels) != len(num_blocks):
            raise ValueError(f'stage_channels {tuple(stage_channels)} and num_blocks '
                             f'{tuple(num_blocks)} must have the same length')
        super().__init__(stage_channels, out_indices, init_cfg=init_cfg)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, 1, 1, bias=False),
            norm_layer(norm, stem_channels), nn.ReLU(inplace=True))
        channels = stem_channels
        for i, (out_channels, blocks) in enumerate(zip(self.stage_channels, num_blocks)):
            stride = 1 if i == 0 else 2
            layers = [CIFARBasicBlock(channels, out_channels, stride, norm)]
            layers += [CIFARBasicBlock(out_channels, out_channels, norm=norm)
                       for _ in range(blocks - 1)]
            self.add_stage(nn.Sequential(*layers))
            channels = out_channels

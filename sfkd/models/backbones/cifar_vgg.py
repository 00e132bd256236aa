"""CIFAR VGGs (with batch norm) of the RepDistiller model zoo.

The VGG networks of Simonyan and Zisserman, "Very Deep Convolutional Networks
for Large-Scale Image Recognition" (ICLR 2015), without the fully connected
layers, plus the small ``vgg8``, as ``vgg8``...``vgg19`` (the ``_bn`` builders)
in RepDistiller (https://github.com/HobbitLong/RepDistiller), the code of
Tian et al., "Contrastive Representation Distillation" (ICLR 2020).
"""
from typing import Dict, List, Sequence

from torch import nn

from sfkd.registry import MODELS
from .staged_backbone import StagedBackbone

# Output channels of the 3x3 convolutions in each of the five stages.
_ARCHS: Dict[str, List[List[int]]] = {
    'vgg8': [[64], [128], [256], [512], [512]],
    'vgg11': [[64], [128], [256, 256], [512, 512], [512, 512]],
    'vgg13': [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    'vgg16': [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    'vgg19': [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512],
              [512, 512, 512, 512]],
}


def _make_stage(in_channels: int, widths: Sequence[int], downsample: bool) -> nn.Sequential:
    """[2x2 max-pool], then conv3x3(bias)-BN-ReLU for each width."""
    layers: List[nn.Module] = [nn.MaxPool2d(2, 2)] if downsample else []
    for width in widths:
        # The conv keeps its bias although BN follows, as in RepDistiller.
        layers += [nn.Conv2d(in_channels, width, 3, padding=1),
                   nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        in_channels = width
    return nn.Sequential(*layers)


@MODELS.register_module()
class CIFARVGG(StagedBackbone):
    """VGG with batch norm for 32x32 inputs, as ``vgg*`` in RepDistiller.

    Five stages of conv3x3-BN-ReLU layers; stages 2-4 start with a 2x2
    max-pool. Stage outputs are taken after the last ReLU (RepDistiller's
    ``preact=True`` features are the output of the last BN, ``layerN[-2]``).
    There is no separate stem. For a 32x32 input:

    ==========  ========  ======  ===========
    Module      Channels  Stride  Output size
    ==========  ========  ======  ===========
    ``layer1``  64        1       32x32
    ``layer2``  128       2       16x16
    ``layer3``  256       4       8x8
    ``layer4``  512       8       4x4
    ``layer5``  512       8       4x4
    ==========  ========  ======  ===========

    RepDistiller skips the max-pool before its last block for 32x32 inputs
    (it applies it only to 64x64 ones), so ``layer5`` keeps the resolution of
    ``layer4`` here too. Its classifier input is an adaptive average pool of
    the last block, which is exactly what ``GlobalAveragePooling`` computes,
    so no pooling is part of this backbone.

    Archs: ``vgg8``, ``vgg11``, ``vgg13``, ``vgg16``, ``vgg19``. Weights are
    initialised as in RepDistiller (Kaiming-normal fan-out convolutions with
    zero bias) unless ``init_cfg`` says otherwise.

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
                 arch: str = 'vgg13',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (4, ),
                 init_cfg=None) -> None:
        if arch not in _ARCHS:
            raise ValueError(f'Unknown CIFARVGG arch {arch!r}; valid archs: {list(_ARCHS)}')
        widths = _ARCHS[arch]
        super().__init__([w[-1] for w in widths], out_indices, init_cfg=init_cfg)
        self.arch = arch
        channels = in_channels
        for i, stage_widths in enumerate(widths):
            self.add_stage(_make_stage(channels, stage_widths, 1 <= i <= 3))
            channels = stage_widths[-1]
        self.init_conv_weights(zero_bias=True)

"""mmpretrain's MobileNetV2 with its stem and last convolution set for small inputs.

MobileNetV2 of Sandler et al., "MobileNetV2: Inverted Residuals and Linear
Bottlenecks" (CVPR 2018, arXiv:1801.04381), as mmpretrain builds it, with
three things it fixes made options: the stem's input channels (3 there; 1
for grey images), the stem's stride (2 there, which leaves a 1x1 map of a
28x28 image after the last stage) and the channels of the final 1x1
convolution (1280 there at widths up to 1, more parameters than a whole
small student).
"""
from typing import Optional, Sequence

from mmcv.cnn import ConvModule
from mmpretrain.models.backbones import MobileNetV2

from sfkd.registry import MODELS


@MODELS.register_module()
class SmallInputMobileNetV2(MobileNetV2):
    """MobileNetV2 (mmpretrain's stages ``layer1``-``layer7`` and ``conv2``) for
    small images.

    For a 1x28x28 input, ``stem_stride=1`` and ``widen_factor=0.25`` the stage
    outputs are ``conv1`` 8x28x28, ``layer1`` 8x28x28, ``layer2`` 8x14x14,
    ``layer3`` 8x7x7, ``layer4`` 16x4x4, ``layer5`` 24x4x4, ``layer6`` 40x2x2,
    ``layer7`` 80x2x2 and ``conv2`` (``last_channels``, 2, 2) (channels are
    mmpretrain's, rounded to multiples of 8).

    Args:
        in_channels: Input image channels (1 for Fashion-MNIST).
        stem_stride: Stride of the 3x3 stem convolution ``conv1``.
        last_channels: Output channels of the final 1x1 convolution ``conv2``;
            None keeps mmpretrain's (1280, or ``1280 * widen_factor`` above 1).
        **kwargs: mmpretrain ``MobileNetV2`` arguments (``widen_factor``,
            ``out_indices``, ``norm_cfg``, ``act_cfg``, ...).
    """

    def __init__(self,
                 in_channels: int = 1,
                 stem_stride: int = 1,
                 last_channels: Optional[int] = None,
                 arch_settings: Optional[Sequence[Sequence[int]]] = None,
                 **kwargs) -> None:
        if arch_settings is not None:
            # read by MobileNetV2.__init__ in place of the class attribute
            self.arch_settings = [list(map(int, s)) for s in arch_settings]
        super().__init__(**kwargs)
        if int(in_channels) < 1 or int(stem_stride) < 1 or \
                (last_channels is not None and int(last_channels) < 1):
            raise ValueError('SmallInputMobileNetV2: in_channels, stem_stride and '
                             f'last_channels must be positive; got {in_channels}, '
                             f'{stem_stride}, {last_channels}')
        common = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.conv1 = ConvModule(int(in_channels), self.conv1.conv.out_channels, 3,
                                stride=int(stem_stride), padding=1, **common)
        if last_channels is not None:
            self.out_channel = int(last_channels)
            self.conv2 = ConvModule(self.conv2.conv.in_channels, self.out_channel, 1, **common)

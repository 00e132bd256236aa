"""An exit branch: a student's intermediate feature map projected to class logits."""
from typing import Optional

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..norm import norm_layer


def separable_conv(in_channels: int, out_channels: int, stride: int, norm: str) -> nn.Sequential:
    """A 3x3 depthwise convolution (``stride``), a 1x1 pointwise one, norm and ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        norm_layer(norm, out_channels), nn.ReLU(inplace=True))


@MODELS.register_module()
class ExitBranchConnector(nn.Module):
    """Maps a student feature map (N, C, H, W) to class logits (N, num_classes).

    The exit branches of OFA-KD (Hao et al., NeurIPS 2023, arXiv:2310.19444):
    a stage's feature goes through ``downsamples`` blocks, each a stride-2
    depthwise separable convolution then a stride-1 one, that halve the
    resolution and double the channels (the last block ends at ``channels``
    when it is given), then global average pooling and a linear classifier.
    With ``downsamples=0`` a 1x1 convolution (+ norm + ReLU) sets the width
    to ``channels``, or, without ``channels``, the map is pooled as it is.
    The official implementation gives stage ``k`` of a four-stage CNN
    ``4 - k`` blocks, so that every exit reaches the last stage's resolution,
    and ends them at the wider of the student's and the teacher's final
    feature widths. A vector (N, C) (an already pooled feature) goes to the
    classifier directly. Route the logits into
    :class:`~sfkd.models.losses.OFALoss` against the teacher's logits::

        connectors=dict(ofa_exit2=dict(type='ExitBranchConnector', downsamples=1))
        loss_inputs=dict(loss_exit2=dict(student=('student.stage2', 'ofa_exit2'),
                                         teacher='teacher.logits', target='data.gt_label'))

    The branches train with the student and stay out of its exported weights
    (they are the Distiller's ``connectors``), so the deployed student has no
    extra cost. They are connectors, not SFTN's student branches
    (:mod:`sfkd.models.algorithms.branches`): an SFTN branch runs the rest of
    a whole student model on a teacher feature, through that model's own head
    and task loss; an exit branch is a new head on the student's own feature,
    with no model to run, and its output goes to a distill loss like any
    routed record.

    ``in_channels`` and ``num_classes`` may be left out of configs: the
    distiller fills them in from its dry run (the student feature's channels
    and the width of the loss's teacher logits).

    Args:
        in_channels: Channels of the student feature.
        num_classes: Number of classes (the teacher logits' width).
        downsamples: Number of stride-2 separable blocks. Defaults to 0.
        channels: Output channels of the last block (or of the 1x1 convolution
            when ``downsamples=0``); defaults to doubling at every block.
        norm: ``'bn'`` (default), ``'gn'`` or ``'none'``.
    """

    def __init__(self, in_channels: int, num_classes: int, downsamples: int = 0,
                 channels: Optional[int] = None, norm: str = 'bn') -> None:
        super().__init__()
        downsamples = number(downsamples, 'downsamples', at_least=0, integer=True,
                             why='the stride-2 blocks of the exit branch')
        if channels is not None:
            channels = number(channels, 'channels', at_least=1, integer=True,
                              why='the width of the exit branch before pooling')
        layers, width = [], in_channels
        for i in range(downsamples):
            out = channels if channels is not None and i == downsamples - 1 else 2 * width
            layers += [separable_conv(width, out, 2, norm), separable_conv(out, out, 1, norm)]
            width = out
        if downsamples == 0 and channels is not None:
            layers += [nn.Conv2d(width, channels, 1, bias=norm == 'none'),
                       norm_layer(norm, channels), nn.ReLU(inplace=True)]
            width = channels
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(width, num_classes)

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the student feature and teacher logit shapes."""
        if len(src_shape) not in (2, 4):
            raise BadConfigError(
                f'ExitBranchConnector maps a feature map (N, C, H, W) or a vector (N, C) to '
                f'logits, but its input has shape {tuple(src_shape)}: tap a module that '
                "returns one map, e.g. student_taps=dict(stage2='backbone.layer2')")
        if len(dst_shape) != 2:
            raise BadConfigError(
                f'ExitBranchConnector makes class logits (N, num_classes), but the loss '
                f'compares them with a teacher input of shape {tuple(dst_shape)}: route the '
                "teacher's logits, e.g. teacher_taps=dict(logits='head.fc') and "
                "teacher='teacher.logits'")
        return dict(in_channels=src_shape[1], num_classes=dst_shape[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            return self.fc(self.features(x).mean(dim=(2, 3)))
        if x.dim() == 2 and len(self.features) == 0:
            return self.fc(x)
        raise ValueError(f'ExitBranchConnector takes a feature map (N, C, H, W), got shape '
                         f'{tuple(x.shape)}; a vector (N, C) fits only an exit without '
                         'convolutions (downsamples=0, no channels)')

"""Attention-based fusion of a model's stages along ReviewKD's review path."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..norm import norm_layer

Size = Optional[Tuple[int, int]]


def _spatial(shape: Sequence[int]) -> Tuple[int, int]:
    """The (H, W) of a record shape; a pooled vector ``(N, C)`` is a 1x1 map."""
    return (1, 1) if len(shape) == 2 else tuple(int(s) for s in shape[2:])


@MODELS.register_module()
class ABFConnector(nn.Module):
    """Fuses a list of student stage features from the deepest to the shallowest.

    "Distilling Knowledge via Knowledge Review", P. Chen, S. Liu, H. Zhao and
    J. Jia, CVPR 2021, arXiv:2104.09044 (the attention based fusion, ABF, of its
    residual review framework).

    Takes ``n`` records ``F_1 .. F_n`` ordered from the shallowest stage to the
    deepest, each ``(N, C_i, H_i, W_i)`` or a pooled vector ``(N, C_i)`` (read
    as a 1x1 map), and returns ``n`` maps in the same order::

        Z_n = L_n(F_n)
        Z_i = a_i * L_i(F_i) + b_i * up_i(Z_{i+1})                        (i < n)
        [a_i, b_i] = sigmoid(A_i([L_i(F_i), up_i(Z_{i+1})]))
        out_i = O_i(Z_i)

    ``L_i`` is a 1x1 convolution and a norm to ``mid_channels``; ``up_i`` resizes
    (nearest) to level ``i``'s size; ``A_i`` is a 1x1 convolution (with bias) of
    the concatenated maps to two channels, so ``a_i`` and ``b_i`` are two
    per-pixel weights ``(N, 1, H_i, W_i)``; ``O_i`` is a 3x3 convolution and a
    norm to ``out_channels[i]``, applied after resizing ``Z_i`` (nearest) to
    ``out_sizes[i]`` when that is given. ``Z_i`` at level ``i``'s own size is
    what the next, shallower level fuses. An output whose input was a vector
    and which stays 1x1 is returned as a vector ``(N, out_channels[i])``.

    Route a list of student taps through it and compare the outputs with a
    list of teacher taps (:class:`~sfkd.models.losses.HCLLoss`); the distiller
    fills ``in_channels``, ``out_channels`` and ``out_sizes`` in from the dry
    run (``out_sizes[i]`` is ``None`` where the teacher's level has the
    student's size). ``mid_channels`` defaults to ``min(512, in_channels[-1])``
    and the two convolutions of each level start from Kaiming-uniform weights
    with ``a=1``, as in the authors' released code.

    Args:
        in_channels: Channels of each student record, shallow to deep.
        out_channels: Channels of each teacher record, as many.
        mid_channels: Channels of the fused maps ``Z_i``.
        out_sizes: ``(H, W)`` of each output, or ``None`` to keep the level's size.
        norm: ``'bn'`` (default), ``'gn'`` or ``'none'`` (the convolutions then
            have a bias).
    """

    #: the distiller routes a list of records into it (and sizes it from them)
    takes_sequence = True

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int],
                 mid_channels: Optional[int] = None,
                 out_sizes: Optional[Sequence[Optional[Sequence[int]]]] = None,
                 norm: str = 'bn') -> None:
        super().__init__()
        in_channels = [number(c, 'in_channels', at_least=1, integer=True) for c in in_channels]
        out_channels = [number(c, 'out_channels', at_least=1, integer=True)
                        for c in out_channels]
        if not in_channels or len(in_channels) != len(out_channels):
            raise BadConfigError(f'ABFConnector needs one output per input (at least one), '
                                 f'got in_channels {in_channels} and out_channels '
                                 f'{out_channels}; give as many of each, or leave both out '
                                 'to size them from the routed records')
        mid = min(512, in_channels[-1]) if mid_channels is None else \
            number(mid_channels, 'mid_channels', at_least=1, integer=True)
        sizes = [None] * len(in_channels) if out_sizes is None else list(out_sizes)
        if len(sizes) != len(in_channels):
            raise BadConfigError(f'ABFConnector out_sizes has {len(sizes)} entries for '
                                 f'{len(in_channels)} levels; give one (H, W) or None per '
                                 'level, or leave it out')
        self.out_sizes: List[Size] = [None if s is None else tuple(int(v) for v in s)
                                      for s in sizes]
        bias = norm == 'none'
        self.lateral = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, mid, 1, bias=bias), norm_layer(norm, mid))
            for c in in_channels)
        self.output = nn.ModuleList(
            nn.Sequential(nn.Conv2d(mid, c, 3, padding=1, bias=bias), norm_layer(norm, c))
            for c in out_channels)
        # every level but the deepest weighs its own map against the deeper fused one
        self.attention = nn.ModuleList(
            nn.Sequential(nn.Conv2d(2 * mid, 2, 1), nn.Sigmoid())
            for _ in in_channels[:-1])
        for block in (*self.lateral, *self.output):
            nn.init.kaiming_uniform_(block[0].weight, a=1)

    @staticmethod
    def sizes(src_shapes: Sequence[Sequence[int]], dst_shapes) -> dict:
        """Constructor arguments implied by the student and teacher record shapes."""
        if not isinstance(dst_shapes, list) or len(dst_shapes) != len(src_shapes):
            got = f'{len(dst_shapes)} records' if isinstance(dst_shapes, list) else 'one record'
            raise ValueError(f'fuses {len(src_shapes)} student records into as many outputs, '
                             f'but the teacher side routes {got}; route a list of as many '
                             "teacher taps, e.g. teacher=['teacher.s1', 'teacher.s2']")
        for side, shapes in (('student', src_shapes), ('teacher', dst_shapes)):
            bad = [s for s in shapes if not isinstance(s, tuple) or len(s) not in (2, 4)]
            if bad:
                raise ValueError(f'takes maps (N, C, H, W) or vectors (N, C), but a {side} '
                                 f'record is {bad[0]}')
        return dict(in_channels=[s[1] for s in src_shapes],
                    out_channels=[d[1] for d in dst_shapes],
                    out_sizes=[None if _spatial(s) == _spatial(d) else _spatial(d)
                               for s, d in zip(src_shapes, dst_shapes)])

    def forward(self, features: Sequence[Tensor]) -> List[Tensor]:
        """Fuse ``features`` (shallow to deep) and return one output per level."""
        if not isinstance(features, (list, tuple)) or len(features) != len(self.lateral):
            got = f'{len(features)} records' if isinstance(features, (list, tuple)) else \
                f'a {type(features).__name__}'
            raise ValueError(f'ABFConnector fuses a list of {len(self.lateral)} records, '
                             f'got {got}')
        outputs: List[Tensor] = [None] * len(features)
        fused = None
        for i in reversed(range(len(features))):
            feature = features[i]
            vector = feature.dim() == 2
            x = self.lateral[i](feature[:, :, None, None] if vector else feature)
            if fused is not None:
                deeper = fused if fused.shape[-2:] == x.shape[-2:] else \
                    F.interpolate(fused, size=x.shape[-2:], mode='nearest')
                weights = self.attention[i](torch.cat([x, deeper], dim=1))
                x = x * weights[:, :1] + deeper * weights[:, 1:]
            fused = x
            size = self.out_sizes[i]
            if size is not None and tuple(x.shape[-2:]) != size:
                x = F.interpolate(x, size=size, mode='nearest')
            out = self.output[i](x)
            outputs[i] = out.flatten(1) if vector and out.shape[-2:] == (1, 1) else out
        return outputs

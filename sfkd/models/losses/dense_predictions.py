"""Dense detection outputs as rows of predictions: the helpers of the dense-head losses.

A dense detection head returns one map per FPN level: class logits of shape
``(N, A * C, H, W)`` and box outputs of shape ``(N, A * 4, H, W)`` (deltas to
``A`` anchors per location) or ``(N, 4 * (n + 1), H, W)`` (GFL's distributions
over ``n + 1`` bins per side). mmdet orders the channels anchor by anchor, and
the priors of a level location by location (row-major), anchors within, so
``map.permute(0, 2, 3, 1).reshape(N, H * W * A, -1)`` gives one row per
prediction in the order of the level's priors.
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from sfkd.utils.errors import BadConfigError

Levels = Union[Tensor, Sequence[Tensor]]

#: how a dense-head loss divides its sum
NORMALIZE = ('images', 'predictions', 'teacher_score')


def as_levels(value: Levels, name: str, loss_name: str) -> List[Tensor]:
    """One map, or a list/tuple of maps (one per level), as a list of maps."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Tensor) for v in value):
        return list(value)
    raise TypeError(f'{loss_name} takes a map or a list of maps (one per level) as {name}, '
                    f'got {type(value).__name__}')


def pair_levels(student: Levels, teacher: Levels, loss_name: str) -> List[tuple]:
    """The student's and the teacher's levels, paired; the numbers must agree."""
    s_levels = as_levels(student, 'student', loss_name)
    t_levels = as_levels(teacher, 'teacher', loss_name)
    if len(s_levels) != len(t_levels):
        raise ValueError(f'{loss_name}: {len(s_levels)} student levels but {len(t_levels)} '
                         'teacher levels')
    return list(zip(s_levels, t_levels))


def check_normalize(normalize: str, loss_name: str) -> str:
    if normalize not in NORMALIZE:
        raise BadConfigError(f'{loss_name} normalize must be one of {list(NORMALIZE)}, got '
                             f'{normalize!r}')
    return normalize


def score_rows(scores: Tensor, num_classes: int, loss_name: str) -> Tensor:
    """``(N, A * C, H, W)`` class logits as ``(N, H * W * A, C)`` rows."""
    if scores.dim() != 4 or scores.shape[1] % num_classes:
        raise ValueError(f'{loss_name} expects class maps (N, A * C, H, W) with C = '
                         f'{num_classes}, got {tuple(scores.shape)}')
    n = scores.shape[0]
    return scores.permute(0, 2, 3, 1).reshape(n, -1, num_classes)


def divisor(normalize: str, images: int, predictions: int,
            teacher_score: Optional[Tensor]) -> Union[int, Tensor]:
    """What a dense-head loss divides its sum by: the number of images, of predictions
    (every anchor at every location of every level and image), or the sum over the
    predictions of the teacher's highest class probability (at least 1)."""
    if normalize == 'images':
        return images
    if normalize == 'predictions':
        return predictions
    return teacher_score.clamp(min=1.0)


class DenseBoxDecoder:
    """Decodes the box outputs of a dense head into boxes ``(x1, y1, x2, y2)``.

    Each level's map becomes ``(N, H * W * A, 4)`` boxes in image coordinates, one
    per prior of the level, made by the head's own prior generator and box coder
    (mmdet's, built from the same configs as the head's):

    - ``reg_max=None``: the map holds ``A * 4`` box deltas per location, decoded
      by ``bbox_coder`` against the level's anchors (RetinaNet's
      ``DeltaXYWHBBoxCoder``);
    - ``reg_max=n``: the map holds GFL's ``4 * (n + 1)`` logits per location;
      each side's distance is the expectation ``sum_k k * softmax(logits)_k``
      times the level's stride, measured from the anchor's centre
      (left, top, right, bottom), as GFL's head decodes its predictions.

    Args:
        prior_generator: The head's prior generator config, e.g.
            ``dict(type='mmdet.AnchorGenerator', ...)``.
        bbox_coder: The head's box coder config (not used with ``reg_max``).
        reg_max: The largest bin of GFL's distributions; ``None`` for deltas.
    """

    def __init__(self, prior_generator: dict, bbox_coder: Optional[dict] = None,
                 reg_max: Optional[int] = None) -> None:
        from sfkd.registry import TASK_UTILS
        self.prior_generator = TASK_UTILS.build(prior_generator)
        if reg_max is None and bbox_coder is None:
            raise BadConfigError('DenseBoxDecoder needs bbox_coder (the head\'s box coder '
                                 'config) to decode box deltas, or reg_max for GFL '
                                 'distributions')
        self.bbox_coder = None if bbox_coder is None else TASK_UTILS.build(bbox_coder)
        self.reg_max = None if reg_max is None else int(reg_max)

    def __call__(self, maps: Sequence[Tensor]) -> List[Tensor]:
        strides = self.prior_generator.strides
        if len(maps) > len(strides):
            raise ValueError(f'DenseBoxDecoder got {len(maps)} levels, but its prior '
                             f'generator has {len(strides)} strides')
        return [self.decode_level(level, m) for level, m in enumerate(maps)]

    def decode_level(self, level: int, boxes: Tensor) -> Tensor:
        """The ``(N, H * W * A, 4)`` boxes of one level's ``(N, K, H, W)`` map."""
        n, k, h, w = boxes.shape
        priors = self.prior_generator.single_level_grid_priors(
            (h, w), level_idx=level, dtype=boxes.dtype, device=boxes.device)
        if self.reg_max is not None:
            bins = self.reg_max + 1
            if k != 4 * bins or priors.shape[0] != h * w:
                raise ValueError(f'DenseBoxDecoder with reg_max={self.reg_max} expects '
                                 f'(N, {4 * bins}, H, W) maps and one prior per location, got '
                                 f'{tuple(boxes.shape)} and {priors.shape[0] // (h * w)} per '
                                 'location')
            logits = boxes.permute(0, 2, 3, 1).reshape(n, h * w, 4, bins)
            project = torch.arange(bins, dtype=boxes.dtype, device=boxes.device)
            distances = (F.softmax(logits, dim=-1) * project).sum(-1)
            distances = distances * self.prior_generator.strides[level][0]
            centres = (priors[:, :2] + priors[:, 2:]) / 2
            return torch.cat([centres - distances[..., :2], centres + distances[..., 2:]], -1)
        if k * h * w != 4 * priors.shape[0]:
            raise ValueError(f'DenseBoxDecoder: the level-{level} map {tuple(boxes.shape)} '
                             f'does not hold 4 deltas for each of its {priors.shape[0]} priors')
        deltas = boxes.permute(0, 2, 3, 1).reshape(-1, 4)
        decoded = self.bbox_coder.decode(priors.repeat(n, 1), deltas)
        return decoded.reshape(n, -1, 4)

"""BCKD's localisation term: the IoU of the student's and the teacher's decoded boxes."""
from typing import List, Optional

import torch
from torch import Tensor

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from .base import DistillLoss
from .dense_predictions import (DenseBoxDecoder, Levels, as_levels, check_normalize, divisor,
                                pair_levels, score_rows)

IOU_KINDS = ('giou', 'iou')
WEIGHTINGS = ('difference', 'none')


def aligned_iou(a: Tensor, b: Tensor, kind: str, eps: float) -> Tensor:
    """IoU (or GIoU) of each box of ``a`` with the box at the same place in ``b``;
    boxes ``(..., 4)`` as ``(x1, y1, x2, y2)``. The union and the enclosing box's
    area are at least ``eps``, as in mmdet's ``bbox_overlaps``."""
    lt = torch.max(a[..., :2], b[..., :2])
    rb = torch.min(a[..., 2:], b[..., 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[..., 0] * wh[..., 1]
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = (area_a + area_b - overlap).clamp(min=eps)
    iou = overlap / union
    if kind == 'iou':
        return iou
    enclose = (torch.max(a[..., 2:], b[..., 2:]) - torch.min(a[..., :2], b[..., :2])).clamp(min=0)
    enclose_area = (enclose[..., 0] * enclose[..., 1]).clamp(min=eps)
    return iou - (enclose_area - union) / enclose_area


@MODELS.register_module()
class BCKDLocLoss(DistillLoss):
    """IoU-based localisation distillation of a dense detector's boxes (BCKD).

    "Bridging Cross-task Protocol Inconsistency for Distillation in Dense Object
    Detection", L. Yang, X. Zhou, X. Li, L. Qiao, Z. Li, Z. Yang, G. Wang and
    X. Li, ICCV 2023, arXiv:2308.14286.

    The student's and the teacher's box outputs are decoded into boxes (so the
    loss does not depend on how a head parameterises them), and every
    prediction's student box is pulled towards the teacher's box at the same
    prediction::

        loss = 1 / Z * sum_{levels, images, predictions} w * (1 - GIoU(b_s, b_t)),
        w = max_c |sigmoid(t_c) - sigmoid(s_c)|   (weighting='difference')

    with ``s_c`` and ``t_c`` the class logits of that prediction: the weight is
    the largest disagreement of the binary classification scores, detached
    (BCKD's weighting, as in the authors' released code, which uses GIoU with
    loss weight 4 on GFL). ``weighting='none'`` gives every prediction weight 1
    (CrossKD's regression term, ``S(r) = 1``); ``iou='iou'`` uses ``1 - IoU``.
    The teacher's boxes are detached. ``Z`` (``normalize``) is as for
    :class:`BCKDClsLoss`.

    With ``decoder`` set, ``student`` and ``teacher`` are the head's raw box
    maps, one per level, decoded by :class:`DenseBoxDecoder` (its
    ``prior_generator``, ``bbox_coder`` and ``reg_max``); without it they are
    boxes already, ``(N, M, 4)`` per level.

    Args:
        iou: ``'giou'`` (default) or ``'iou'``.
        weighting: ``'difference'`` (default, needs ``student_scores`` and
            ``teacher_scores``) or ``'none'``.
        normalize: ``'teacher_score'`` (needs ``teacher_scores``),
            ``'predictions'`` or ``'images'``.
        decoder: ``dict(prior_generator=..., bbox_coder=..., reg_max=None)``, the
            configs of the head's prior generator and box coder.
        eps: Smallest union and enclosing area.
        loss_weight: Multiplier of the loss (the authors' GFL recipe: 4.0).
    """

    def __init__(self, iou: str = 'giou', weighting: str = 'difference',
                 normalize: str = 'teacher_score', decoder: Optional[dict] = None,
                 eps: float = 1e-6, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if iou not in IOU_KINDS:
            raise BadConfigError(f'BCKDLocLoss iou must be one of {list(IOU_KINDS)}, got {iou!r}')
        if weighting not in WEIGHTINGS:
            raise BadConfigError(f'BCKDLocLoss weighting must be one of {list(WEIGHTINGS)}, '
                                 f'got {weighting!r}')
        self.iou, self.weighting = iou, weighting
        self.normalize = check_normalize(normalize, 'BCKDLocLoss')
        self.eps = number(eps, 'eps', above=0, why='the smallest union area')
        if decoder is not None and not isinstance(decoder, dict):
            raise BadConfigError('BCKDLocLoss decoder must be a dict(prior_generator=..., '
                                 f'bbox_coder=..., reg_max=None), got {decoder!r}')
        self.decoder = None if decoder is None else DenseBoxDecoder(**decoder)

    def boxes(self, value: Levels, name: str) -> List[Tensor]:
        """The ``(N, M, 4)`` boxes of each level (decoded from maps with a decoder)."""
        levels = as_levels(value, name, 'BCKDLocLoss')
        if self.decoder is not None:
            return self.decoder(levels)
        for boxes in levels:
            if boxes.dim() != 3 or boxes.shape[-1] != 4:
                raise ValueError(f'BCKDLocLoss without a decoder takes (N, M, 4) boxes as '
                                 f'{name}, got {tuple(boxes.shape)}; give decoder=dict('
                                 'prior_generator=..., bbox_coder=...) to decode box maps')
        return levels

    def compute(self, student: Levels, teacher: Levels, student_scores: Optional[Levels] = None,
                teacher_scores: Optional[Levels] = None) -> Tensor:
        """Compute the unweighted loss.

        Args:
            student: The student's box maps (or boxes), one per level.
            teacher: The teacher's, matching ``student``.
            student_scores: The student's class logits ``(N, A * C, H, W)`` per level
                (for ``weighting='difference'``).
            teacher_scores: The teacher's class logits per level (for
                ``weighting='difference'`` and ``normalize='teacher_score'``).

        Returns:
            Scalar loss tensor.
        """
        pairs = pair_levels(student, teacher, 'BCKDLocLoss')
        s_boxes = self.boxes([s for s, _ in pairs], 'student')
        t_boxes = self.boxes([t.detach() for _, t in pairs], 'teacher')
        need = {'student_scores': self.weighting == 'difference',
                'teacher_scores': self.weighting == 'difference'
                or self.normalize == 'teacher_score'}
        given = dict(student_scores=student_scores, teacher_scores=teacher_scores)
        missing = sorted(k for k, needed in need.items() if needed and given[k] is None)
        if missing:
            raise ValueError(f'BCKDLocLoss (weighting={self.weighting!r}, normalize='
                             f'{self.normalize!r}) needs the class logits {missing}; route '
                             "them, e.g. student_scores='student.cls'")
        scores = {k: None if v is None else as_levels(v, k, 'BCKDLocLoss')
                  for k, v in given.items()}
        total, predictions, teacher_score = 0.0, 0, 0.0
        for level, (sb, tb) in enumerate(zip(s_boxes, t_boxes)):
            if sb.shape != tb.shape:
                raise ValueError(f'BCKDLocLoss: level {level} has student boxes '
                                 f'{tuple(sb.shape)} but teacher boxes {tuple(tb.shape)}')
            loss = 1 - aligned_iou(sb, tb, self.iou, self.eps)
            rows = {k: None if v is None else self.level_scores(v, level, sb)
                    for k, v in scores.items()}
            if self.weighting == 'difference':
                weight = (rows['teacher_scores'] - rows['student_scores']).abs()
                loss = loss * weight.max(dim=-1).values.detach()
            total = total + loss.sum()
            predictions += sb.shape[0] * sb.shape[1]
            if self.normalize == 'teacher_score':
                teacher_score = teacher_score + rows['teacher_scores'].max(dim=-1).values.sum()
        images = s_boxes[0].shape[0]
        return total / divisor(self.normalize, images, predictions,
                               torch.as_tensor(teacher_score))

    @staticmethod
    def level_scores(levels: List[Tensor], level: int, boxes: Tensor) -> Tensor:
        """The ``(N, M, C)`` sigmoid scores of ``level`` for its ``(N, M, 4)`` boxes."""
        if level >= len(levels):
            raise ValueError(f'BCKDLocLoss got {len(levels)} levels of class logits for more '
                             'levels of boxes')
        scores = levels[level].detach()
        n, k, h, w = scores.shape if scores.dim() == 4 else (0, 0, 0, 0)
        anchors = boxes.shape[1] // max(h * w, 1)
        if scores.dim() != 4 or anchors * h * w != boxes.shape[1] or k % anchors:
            raise ValueError(f'BCKDLocLoss: the level-{level} class logits '
                             f'{tuple(scores.shape)} do not match its {boxes.shape[1]} boxes '
                             '(expected (N, A * C, H, W) with H * W * A boxes)')
        return score_rows(scores.sigmoid(), k // anchors, 'BCKDLocLoss')

"""BCKDLocLoss and its box decoder: exact values against plain-Python derivations.

The reference computes each aligned IoU and GIoU from the box corners with
Python floats, the weight ``max_c |sigmoid(t_c) - sigmoid(s_c)|`` from the class
logits, and the divisor as in BCKDClsLoss. The decoder is checked against box
deltas and GFL distributions decoded by hand on anchors written out here.
"""
import math

import pytest
import torch

from sfkd.models.losses import BCKDLocLoss
from sfkd.models.losses.dense_predictions import DenseBoxDecoder

pytestmark = pytest.mark.unit


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def iou_terms(a, b):
    """(IoU, GIoU) of two boxes (x1, y1, x2, y2)."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    enclose = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    iou = overlap / union
    return iou, iou - (enclose - union) / enclose


# one level, one image, 3 locations (1 x 3), one anchor each, 2 classes
S_BOXES = [[[0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 3.0, 5.0], [10.0, 0.0, 12.0, 2.0]]]
T_BOXES = [[[1.0, 1.0, 5.0, 5.0], [1.0, 1.0, 3.0, 5.0], [0.0, 0.0, 2.0, 2.0]]]
# class logits (1, 2, 1, 3): channel c, location w
S_CLS = [[[[0.5, -1.0, 2.0]], [[-2.0, 0.0, 1.0]]]]
T_CLS = [[[[1.5, -1.0, -1.0]], [[-2.0, 3.0, 0.0]]]]


def reference(kind, weighting, normalize):
    total, teacher_mass = 0.0, 0.0
    for m in range(3):
        iou, giou = iou_terms(S_BOXES[0][m], T_BOXES[0][m])
        term = 1 - (giou if kind == 'giou' else iou)
        s = [sigmoid(S_CLS[0][c][0][m]) for c in range(2)]
        t = [sigmoid(T_CLS[0][c][0][m]) for c in range(2)]
        weight = max(abs(t[c] - s[c]) for c in range(2)) if weighting == 'difference' else 1.0
        total += weight * term
        teacher_mass += max(t)
    return total / dict(images=1, predictions=3, teacher_score=max(teacher_mass, 1.0))[normalize]


def tensors(requires_grad=False):
    f = dict(dtype=torch.float64)
    return (torch.tensor(S_BOXES, **f, requires_grad=requires_grad), torch.tensor(T_BOXES, **f),
            torch.tensor(S_CLS, **f), torch.tensor(T_CLS, **f))


def test_the_boxes_cover_overlap_identity_and_disjoint_cases():
    ious = [iou_terms(a, b) for a, b in zip(S_BOXES[0], T_BOXES[0])]
    assert ious[0] == (pytest.approx(9 / 23), pytest.approx(9 / 23 - 2 / 25))
    assert ious[1] == (1.0, 1.0)
    assert ious[2][0] == 0.0 and ious[2][1] == pytest.approx(-(24 - 8) / 24)


@pytest.mark.parametrize('normalize', ['images', 'predictions', 'teacher_score'])
@pytest.mark.parametrize('weighting', ['difference', 'none'])
@pytest.mark.parametrize('kind', ['giou', 'iou'])
def test_value_matches_the_hand_derivation(kind, weighting, normalize):
    sb, tb, sc, tc = tensors()
    loss = BCKDLocLoss(iou=kind, weighting=weighting, normalize=normalize, loss_weight=4.0)
    value = loss(sb, tb, student_scores=sc, teacher_scores=tc)
    assert value.item() == pytest.approx(4.0 * reference(kind, weighting, normalize),
                                         rel=1e-12)


def test_levels_add_up():
    sb, tb, sc, tc = tensors()
    loss = BCKDLocLoss(normalize='images')
    one = loss(sb, tb, student_scores=sc, teacher_scores=tc)
    two = loss([sb, sb], [tb, tb], student_scores=[sc, sc], teacher_scores=[tc, tc])
    assert two.item() == pytest.approx(2 * one.item(), rel=1e-12)


def test_gradient_reaches_the_student_boxes_only_and_matches_differences():
    sb, tb, sc, tc = tensors(requires_grad=True)
    tb.requires_grad_()
    sc.requires_grad_()
    BCKDLocLoss(normalize='images')(sb, tb, student_scores=sc, teacher_scores=tc).backward()
    assert tb.grad is None and sc.grad is None  # the teacher and the weights are detached
    # 1 - GIoU of the first box, moved along x2 by central differences, times its weight
    weight = max(abs(sigmoid(T_CLS[0][c][0][0]) - sigmoid(S_CLS[0][c][0][0])) for c in range(2))
    step = 1e-6
    moved = [[0.0, 0.0, 4.0 + step, 4.0], [0.0, 0.0, 4.0 - step, 4.0]]
    numeric = -(iou_terms(moved[0], T_BOXES[0][0])[1]
                - iou_terms(moved[1], T_BOXES[0][0])[1]) / (2 * step)
    assert sb.grad[0, 0, 2].item() == pytest.approx(weight * numeric, rel=1e-6)


def test_weighting_needs_the_scores_and_boxes_need_a_decoder():
    sb, tb, _, _ = tensors()
    with pytest.raises(ValueError, match=r"needs the class logits \['student_scores', "
                       r"'teacher_scores'\]; route them"):
        BCKDLocLoss()(sb, tb)
    assert BCKDLocLoss(weighting='none', normalize='images')(sb, tb).item() > 0
    with pytest.raises(ValueError, match=r'takes \(N, M, 4\) boxes as student, got '
                       r'\(1, 4, 2, 2\); give decoder='):
        BCKDLocLoss(weighting='none', normalize='images')(torch.zeros(1, 4, 2, 2),
                                                           torch.zeros(1, 4, 2, 2))


ANCHORS = dict(type='mmdet.AnchorGenerator', strides=[4], ratios=[1.0], scales=[2],
               base_sizes=[4])  # one 8x8 anchor centred on each location (x * 4, y * 4)


def test_decoder_decodes_deltas_against_the_anchors():
    decoder = DenseBoxDecoder(ANCHORS, dict(type='mmdet.DeltaXYWHBBoxCoder',
                                            target_means=[0.0] * 4, target_stds=[1.0] * 4))
    deltas = torch.tensor([[0.5, 0.0], [-0.25, 0.0], [0.0, math.log(2)], [0.0, 0.0]],
                          dtype=torch.float64).view(1, 4, 1, 2)  # (dx, dy, dw, dh) per column
    boxes = decoder([deltas])[0]
    # location 0: centre (0, 0) + (0.5 * 8, -0.25 * 8), size 8 x 8
    # location 1: centre (4, 0), width 8 * e^log2 = 16, height 8
    assert boxes.tolist() == [[[0.0, -6.0, 8.0, 2.0], [-4.0, -4.0, 12.0, 4.0]]]


def test_decoder_takes_the_expectation_of_gfl_distributions_times_the_stride():
    decoder = DenseBoxDecoder(ANCHORS, reg_max=2)
    # one location, 4 sides x 3 bins; softmax of [0, 0, 0] has mean 1, of [0, -inf, ln 3]
    # puts 1/4 on bin 0 and 3/4 on bin 2: mean 1.5
    side = [[0.0, 0.0, 0.0], [0.0, -1e9, math.log(3)], [0.0, 0.0, 0.0], [-1e9, -1e9, 0.0]]
    logits = torch.tensor(side, dtype=torch.float64).view(1, 12, 1, 1)
    # distances (1, 1.5, 1, 2) bins x stride 4 from the anchor centre (0, 0)
    assert decoder([logits])[0].tolist() == [[[-4.0, -6.0, 4.0, 8.0]]]


def test_a_decoded_loss_equals_the_loss_of_the_decoded_boxes():
    decoder_cfg = dict(prior_generator=ANCHORS, bbox_coder=dict(
        type='mmdet.DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[1.0] * 4))
    g = torch.Generator().manual_seed(0)
    s, t = (0.3 * torch.randn(2, 4, 2, 3, generator=g, dtype=torch.float64) for _ in range(2))
    sc, tc = (torch.randn(2, 5, 2, 3, generator=g, dtype=torch.float64) for _ in range(2))
    decoded = BCKDLocLoss(decoder=decoder_cfg)(s, t, student_scores=sc, teacher_scores=tc)
    decoder = DenseBoxDecoder(**decoder_cfg)
    plain = BCKDLocLoss()(decoder([s])[0], decoder([t])[0], student_scores=sc,
                          teacher_scores=tc)
    assert decoded.item() == pytest.approx(plain.item(), rel=1e-12) and decoded.item() > 0

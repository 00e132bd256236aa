"""ReviewKD's attention-based fusion (Chen et al., arXiv:2104.09044): shapes, sizes,
and the attention weighting on hand-set one-channel cases written out here."""
import math

import pytest
import torch

from sfkd.models.connectors import ABFConnector
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def identity_abf(levels, attention_weight, attention_bias):
    """One channel everywhere, no norm: lateral 1x1 convs and output 3x3 convs pass
    their input through; every attention conv gets the given (2, 2) weight and bias."""
    conn = ABFConnector([1] * levels, [1] * levels, mid_channels=1, norm='none')
    with torch.no_grad():
        for lateral, output in zip(conn.lateral, conn.output):
            lateral[0].weight.fill_(1.0)
            lateral[0].bias.zero_()
            output[0].weight.zero_()
            output[0].weight[0, 0, 1, 1] = 1.0
            output[0].bias.zero_()
        for attention in conn.attention:
            attention[0].weight.copy_(torch.tensor(attention_weight).view(2, 2, 1, 1))
            attention[0].bias.copy_(torch.tensor(attention_bias))
    return conn


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def test_each_pixel_weighs_its_own_map_against_the_deeper_one():
    """Attention conv = identity: a = sigmoid(own), b = sigmoid(deeper), per pixel."""
    conn = identity_abf(2, [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    shallow = torch.tensor([[[[1.0, -2.0], [0.5, 3.0]]]])  # (1, 1, 2, 2)
    deep = torch.tensor([[[[-1.5]]]])  # (1, 1, 1, 1), resized to 2x2 (nearest)
    out_shallow, out_deep = conn([shallow, deep])
    assert out_deep.tolist() == [[[[-1.5]]]]  # the deepest level is its own map
    expected = [[x * sigmoid(x) + (-1.5) * sigmoid(-1.5) for x in row]
                for row in ([1.0, -2.0], [0.5, 3.0])]
    torch.testing.assert_close(out_shallow[0, 0], torch.tensor(expected))


def test_the_fused_map_not_the_raw_one_reviews_the_next_level():
    """Fixed weights a = 3/4, b = 1/4 (zero conv, biases +-log 3) over three levels:
    Z3 = F3, Z2 = 3/4 F2 + 1/4 up(Z3), Z1 = 3/4 F1 + 1/4 up(Z2)."""
    conn = identity_abf(3, [[0.0, 0.0], [0.0, 0.0]], [math.log(3), -math.log(3)])
    f1 = torch.arange(16.0).view(1, 1, 4, 4)
    f2 = torch.tensor([[[[2.0, -2.0], [4.0, 8.0]]]])
    f3 = torch.tensor([[[[10.0]]]])
    o1, o2, o3 = conn([f1, f2, f3])
    z2 = [[0.75 * v + 0.25 * 10.0 for v in row] for row in ([2.0, -2.0], [4.0, 8.0])]
    z1 = [[0.75 * (4 * r + c) + 0.25 * z2[r // 2][c // 2] for c in range(4)] for r in range(4)]
    assert o3.tolist() == [[[[10.0]]]]
    torch.testing.assert_close(o2[0, 0], torch.tensor(z2))
    torch.testing.assert_close(o1[0, 0], torch.tensor(z1))


def test_shapes_follow_the_teacher_channels_and_a_vector_stays_a_vector():
    torch.manual_seed(0)
    conn = ABFConnector([8, 16, 32, 32], [16, 32, 64, 64])
    assert conn.lateral[0][0].out_channels == 32  # min(512, the deepest input's 32)
    assert len(conn.attention) == 3  # the deepest level has nothing deeper to weigh
    outs = conn([torch.randn(2, 8, 28, 28), torch.randn(2, 16, 14, 14),
                 torch.randn(2, 32, 7, 7), torch.randn(2, 32)])
    assert [tuple(o.shape) for o in outs] == [(2, 16, 28, 28), (2, 32, 14, 14), (2, 64, 7, 7),
                                             (2, 64)]
    assert ABFConnector([600, 700], [1, 1]).lateral[1][0].out_channels == 512


def test_out_sizes_resize_the_output_but_not_what_the_next_level_fuses():
    conn = identity_abf(2, [[0.0, 0.0], [0.0, 0.0]], [math.log(3), -math.log(3)])
    conn.out_sizes = [None, (2, 2)]  # the deep level's teacher map is 2x2
    shallow, deep = torch.ones(1, 1, 2, 2), torch.tensor([[[[4.0]]]])
    o1, o2 = conn([shallow, deep])
    assert o2.tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]
    assert o1.tolist() == [[[[1.75, 1.75], [1.75, 1.75]]]]  # 3/4 * 1 + 1/4 * 4


def test_sizes_come_from_both_lists_of_records():
    student = [(2, 8, 28, 28), (2, 16, 14, 14), (2, 32)]
    teacher = [(2, 16, 28, 28), (2, 32, 7, 7), (2, 64)]
    assert ABFConnector.sizes(student, teacher) == dict(
        in_channels=[8, 16, 32], out_channels=[16, 32, 64], out_sizes=[None, (7, 7), None])
    with pytest.raises(ValueError, match=r'^fuses 3 student records into as many outputs, '
                       r'but the teacher side routes one record; route a list'):
        ABFConnector.sizes(student, (2, 64))
    with pytest.raises(ValueError, match=r'teacher side routes 2 records'):
        ABFConnector.sizes(student, teacher[:2])
    with pytest.raises(ValueError, match=r'a teacher record is \(2, 3, 4\)$'):
        ABFConnector.sizes(student[:1], [(2, 3, 4)])


def test_bad_lists_are_refused():
    with pytest.raises(BadConfigError, match=r'^ABFConnector needs one output per input'):
        ABFConnector([8, 16], [16])
    with pytest.raises(BadConfigError, match=r'^ABFConnector out_sizes has 1 entries for 2 '):
        ABFConnector([8, 16], [16, 32], out_sizes=[None])
    conn = ABFConnector([8, 16], [16, 32])
    with pytest.raises(ValueError, match=r'^ABFConnector fuses a list of 2 records, got 1 '):
        conn([torch.randn(2, 8, 4, 4)])
    with pytest.raises(ValueError, match=r'got a Tensor$'):
        conn(torch.randn(2, 8, 4, 4))

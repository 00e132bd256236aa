"""ExitBranchConnector (OFA-KD's exit branches): its layers, outputs, sizes and refusals."""
import pytest
import torch
from torch import nn

from sfkd.models.connectors import ExitBranchConnector
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def test_without_blocks_it_pools_then_classifies():
    conn = ExitBranchConnector(2, 3)
    assert len(conn.features) == 0
    with torch.no_grad():
        conn.fc.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]))
        conn.fc.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
    # channel means: (1 + 2 + 3 + 6) / 4 = 3 and (0 - 4 + 0 + 0) / 4 = -1
    x = torch.tensor([[[[1.0, 2.0], [3.0, 6.0]], [[0.0, -4.0], [0.0, 0.0]]]])
    assert conn(x).tolist() == [[3.0, 0.0, 3.0]]
    assert conn(torch.tensor([[3.0, -1.0]])).tolist() == [[3.0, 0.0, 3.0]]  # a pooled vector


def test_blocks_halve_the_resolution_and_double_the_channels():
    conn = ExitBranchConnector(4, 10, downsamples=2)
    convs = [m for m in conn.features.modules() if isinstance(m, nn.Conv2d)]
    # per block: depthwise stride 2, pointwise (doubling), depthwise stride 1, pointwise
    assert [(c.in_channels, c.out_channels, c.stride[0], c.groups) for c in convs] == [
        (4, 4, 2, 4), (4, 8, 1, 1), (8, 8, 1, 8), (8, 8, 1, 1),
        (8, 8, 2, 8), (8, 16, 1, 1), (16, 16, 1, 16), (16, 16, 1, 1)]
    assert conn.features(torch.randn(2, 4, 28, 28)).shape == (2, 16, 7, 7)
    assert conn(torch.randn(2, 4, 28, 28)).shape == (2, 10)
    assert conn.fc.in_features == 16


def test_channels_sets_the_width_before_pooling():
    last = ExitBranchConnector(8, 10, downsamples=2, channels=64)
    assert last.features(torch.randn(2, 8, 28, 28)).shape == (2, 64, 7, 7)
    one = ExitBranchConnector(32, 10, channels=64)  # no block: a 1x1 conv to 64 channels
    assert isinstance(one.features[0], nn.Conv2d) and one.features[0].kernel_size == (1, 1)
    assert one.features(torch.randn(2, 32, 7, 7)).shape == (2, 64, 7, 7)
    assert one.fc.in_features == 64
    assert isinstance(ExitBranchConnector(8, 10, 1, norm='gn').features[0][2], nn.GroupNorm)


def test_gradients_reach_the_feature_and_every_parameter():
    conn = ExitBranchConnector(4, 5, downsamples=1)
    x = torch.randn(3, 4, 8, 8, requires_grad=True)
    conn(x).logsumexp(1).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in conn.parameters())


def test_sizes_come_from_the_feature_and_the_teacher_logits():
    assert ExitBranchConnector.sizes((2, 16, 14, 14), (2, 10)) == dict(in_channels=16,
                                                                       num_classes=10)
    assert ExitBranchConnector.sizes((2, 32), (2, 100)) == dict(in_channels=32, num_classes=100)


def test_sizes_refuse_a_token_sequence_and_a_dense_teacher():
    with pytest.raises(BadConfigError, match=r'^ExitBranchConnector maps a feature map '
                       r'\(N, C, H, W\) or a vector \(N, C\) to logits, but its input has '
                       r"shape \(2, 49, 8\): tap a module that returns one map, e\.g\. "
                       r"student_taps=dict\(stage2='backbone\.layer2'\)$"):
        ExitBranchConnector.sizes((2, 49, 8), (2, 10))
    with pytest.raises(BadConfigError, match=r'^ExitBranchConnector makes class logits '
                       r'\(N, num_classes\), but the loss compares them with a teacher input '
                       r"of shape \(2, 64, 7, 7\): route the teacher's logits, e\.g\. "
                       r"teacher_taps=dict\(logits='head\.fc'\) and teacher='teacher\.logits'$"):
        ExitBranchConnector.sizes((2, 16, 14, 14), (2, 64, 7, 7))


def test_options_are_checked():
    with pytest.raises(BadConfigError, match=r'^downsamples must be >= 0 \(the stride-2 blocks '
                                             r'of the exit branch\), got -1$'):
        ExitBranchConnector(4, 10, downsamples=-1)
    with pytest.raises(BadConfigError, match=r'^downsamples must be an integer, got 1.5'):
        ExitBranchConnector(4, 10, downsamples=1.5)
    with pytest.raises(BadConfigError, match=r'^channels must be >= 1 \(the width of the exit '
                                             r'branch before pooling\), got 0$'):
        ExitBranchConnector(4, 10, channels=0)
    with pytest.raises(ValueError, match=r'takes a feature map \(N, C, H, W\), got shape '
                                         r'\(2, 4\); a vector \(N, C\) fits only an exit '
                                         r'without convolutions'):
        ExitBranchConnector(4, 10, downsamples=1)(torch.randn(2, 4))


def test_registered():
    conn = MODELS.build(dict(type='ExitBranchConnector', in_channels=4, num_classes=3,
                             downsamples=1))
    assert type(conn).__name__ == 'ExitBranchConnector' and conn.fc.out_features == 3

"""The Linear, MLP, Resize and Identity connectors: exact outputs and sizes.

Weights are set by hand and the expected outputs are written out here.
"""
import pytest
import torch

from sfkd.models.connectors import IdentityConnector, LinearConnector, MLPConnector, \
    ResizeConnector
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def test_linear_connector_flattens_maps_then_maps_features():
    conn = LinearConnector(4, 2)
    with torch.no_grad():
        conn.fc.weight.copy_(torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.5, 0.5, 0.5]]))
        conn.fc.bias.copy_(torch.tensor([1.0, -1.0]))
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]], [[[0.0, -2.0], [2.0, 0.0]]]])  # (2, 1, 2, 2)
    # rows [1, 2, 3, 4] and [0, -2, 2, 0]
    expected = [[1 - 3 + 8 + 1, 0.5 * 10 - 1], [-2 + 1, 0.5 * 0 - 1]]
    assert conn(x).tolist() == expected
    assert conn(x.flatten(1)).tolist() == expected  # vectors go in as they are
    assert LinearConnector(4, 2, bias=False).fc.bias is None
    assert LinearConnector.sizes((2, 1, 2, 2), (2, 3)) == dict(in_channels=4, out_channels=3)


def test_mlp_connector_is_linear_relu_linear():
    conn = MLPConnector(2, 1, hidden_channels=3)
    first, relu, second = conn.layers
    assert isinstance(relu, torch.nn.ReLU)
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[1.0, 1.0], [1.0, -1.0], [-2.0, 0.0]]))
        first.bias.copy_(torch.tensor([0.0, 0.0, 1.0]))
        second.weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
        second.bias.copy_(torch.tensor([0.5]))
    x = torch.tensor([[1.0, 2.0], [-1.0, -3.0]])
    # hidden [3, -1, -1] -> [3, 0, 0]: 3 + 0.5;  hidden [-4, 2, 3] -> [0, 2, 3]: 4 + 9 + 0.5
    assert conn(x).tolist() == [[3.5], [13.5]]
    assert MLPConnector(6, 4).layers[0].out_features == 4  # hidden width defaults to the output
    assert MLPConnector.sizes((2, 3, 2, 1), (2, 5)) == dict(in_channels=6, out_channels=5)
    assert conn(x.view(2, 1, 2, 1)).tolist() == [[3.5], [13.5]]  # maps are flattened first


def test_resize_connector_bilinear_nearest_and_area():
    # v[i, j] = 2 i + j on a 2x2 map; bilinear (align_corners=False) to 4x4 samples the
    # source at (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]
    x = torch.tensor([[0.0, 1.0], [2.0, 3.0]]).view(1, 1, 2, 2)
    pos = [0.0, 0.25, 0.75, 1.0]
    bilinear = [[2 * a + b for b in pos] for a in pos]
    assert ResizeConnector((4, 4))(x)[0, 0].tolist() == bilinear
    nearest = [[0.0, 0.0, 1.0, 1.0]] * 2 + [[2.0, 2.0, 3.0, 3.0]] * 2
    assert ResizeConnector((4, 4), mode='nearest')(x)[0, 0].tolist() == nearest
    big = torch.arange(16.0).view(1, 1, 4, 4)
    # 2x2 block means: (0 + 1 + 4 + 5) / 4 = 2.5, ...
    assert ResizeConnector((2, 2), mode='area')(big)[0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]
    assert ResizeConnector.sizes((2, 3, 7, 7), (2, 5, 14, 14)) == dict(size=(14, 14))


def test_resize_connector_leaves_a_map_of_the_target_size_alone():
    x = torch.randn(2, 3, 4, 4)
    assert ResizeConnector((4, 4))(x) is x
    assert ResizeConnector()(x) is x  # no size: nothing to do


def test_identity_connector_returns_its_input():
    x = torch.randn(2, 3)
    pair = (x, x + 1)
    assert IdentityConnector()(x) is x and IdentityConnector()(pair) is pair
    assert list(IdentityConnector().parameters()) == []


@pytest.mark.parametrize('cfg', [dict(type='LinearConnector', in_channels=4, out_channels=2),
                                 dict(type='MLPConnector', in_channels=4, out_channels=2),
                                 dict(type='ResizeConnector', size=(2, 2)),
                                 dict(type='IdentityConnector')])
def test_registered(cfg):
    assert type(MODELS.build(cfg)).__name__ == cfg['type']

import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import VIDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit


def _set_weights(loss, matrices, alpha):
    """Set the three 1x1 convs to the given (out, in) matrices and alpha."""
    convs = [m for m in loss.regressor if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        for conv, w in zip(convs, matrices):
            conv.weight.copy_(torch.as_tensor(w, dtype=conv.weight.dtype)[:, :, None, None])
        loss.alpha.copy_(torch.as_tensor(alpha, dtype=loss.alpha.dtype))


def test_exact_value_hand_derived():
    loss = VIDLoss(1, 1, 1).double()
    _set_weights(loss, [[[1.]], [[1.]], [[1.]]], [0.0])  # mean = relu(x)
    var = math.log(2.0) + 1e-5  # softplus(0) + eps
    student = torch.tensor([[[[1., -1.], [2., 0.]]]], dtype=torch.float64)
    teacher = torch.tensor([[[[0., 1.], [2., 3.]]]], dtype=torch.float64)
    # means 1, 0, 2, 0 -> squared errors 1, 1, 0, 9
    expected = 0.5 * ((1 + 1 + 0 + 9) / 4 / var + math.log(var))
    assert loss(student, teacher).item() == pytest.approx(expected, rel=1e-10)


def test_matches_loop_reference_per_channel_variance():
    torch.manual_seed(0)
    loss = VIDLoss(2, 3, 2).double()
    w1 = [[1., -1.], [0.5, 2.], [0., 1.]]
    w2 = [[1., 0., 0.], [0., 1., 0.], [1., 1., 1.]]
    w3 = [[1., 0., 2.], [-1., 1., 0.]]
    alpha = [0.0, 1.0]
    _set_weights(loss, [w1, w2, w3], alpha)
    student = torch.randn(2, 2, 2, 3, dtype=torch.float64)
    teacher = torch.randn(2, 2, 2, 3, dtype=torch.float64)

    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    var = [math.log1p(math.exp(a)) + 1e-5 for a in alpha]
    s, t = student.numpy(), teacher.numpy()
    terms = []
    for n in range(2):
        for y in range(2):
            for x in range(3):
                mean = np.array(w3) @ relu(np.array(w2) @ relu(np.array(w1) @ s[n, :, y, x]))
                for c in range(2):
                    terms.append(0.5 * ((mean[c] - t[n, c, y, x])**2 / var[c]
                                        + math.log(var[c])))
    assert loss(student, teacher).item() == pytest.approx(sum(terms) / len(terms), rel=1e-10)


def test_initial_variance_is_init_pred_var():
    torch.testing.assert_close(VIDLoss(2, 2, 3, init_pred_var=5.0).pred_var(),
                               torch.full((3,), 5.0))


def test_perfect_mean_leaves_log_variance_term():
    loss = VIDLoss(1, 1, 1, init_pred_var=2.0)
    _set_weights(loss, [[[1.]], [[1.]], [[1.]]], [math.log(math.expm1(2.0 - 1e-5))])
    x = torch.rand(2, 1, 2, 2)
    assert loss(x, x.clone()).item() == pytest.approx(0.5 * math.log(2.0), rel=1e-5)


def test_vectors_are_treated_as_1x1_maps():
    loss = VIDLoss(2, 2, 2).double()
    _set_weights(loss, [np.eye(2)] * 3, [0.0, 0.0])
    s = torch.tensor([[1., 2.]], dtype=torch.float64)
    t = torch.tensor([[0., 0.]], dtype=torch.float64)
    var = math.log(2.0) + 1e-5
    expected = 0.5 * ((1 + 4) / 2 / var + math.log(var))
    assert loss(s, t).item() == pytest.approx(expected, rel=1e-10)


def test_larger_map_is_average_pooled():
    loss = VIDLoss(1, 1, 1).double()
    _set_weights(loss, [[[1.]], [[1.]], [[1.]]], [0.0])
    student = torch.arange(16, dtype=torch.float64).view(1, 1, 4, 4)
    teacher = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    # 2x2 block means of 0..15 laid out 4x4: 2.5, 4.5, 10.5, 12.5
    var = math.log(2.0) + 1e-5
    sq = (2.5**2 + 4.5**2 + 10.5**2 + 12.5**2) / 4
    assert loss(student, teacher).item() == pytest.approx(
        0.5 * (sq / var + math.log(var)), rel=1e-10)


def test_loss_weight_scales():
    torch.manual_seed(0)
    loss = VIDLoss(3, 4, 5)
    weighted = VIDLoss(3, 4, 5, loss_weight=2.0)
    weighted.load_state_dict(loss.state_dict())
    s, t = torch.randn(2, 3, 2, 2), torch.randn(2, 5, 2, 2)
    torch.testing.assert_close(weighted(s, t), 2.0 * loss(s, t))


def test_gradient_reaches_student_regressor_and_variance():
    loss = VIDLoss(3, 4, 5)
    student = torch.randn(2, 3, 2, 2, requires_grad=True)
    teacher = torch.randn(2, 5, 2, 2, requires_grad=True)
    loss(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert loss.alpha.grad is not None and loss.alpha.grad.abs().sum() > 0
    assert all(p.grad is not None for p in loss.regressor.parameters())
    assert teacher.grad is None


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 4, 2, 2\).*\(2, 5, 2, 2\)'):
        VIDLoss(3, 4, 5)(torch.randn(2, 4, 2, 2), torch.randn(2, 5, 2, 2))
    with pytest.raises(ValueError, match=r'\(2, 3, 2, 2\).*\(3, 5, 2, 2\)'):
        VIDLoss(3, 4, 5)(torch.randn(2, 3, 2, 2), torch.randn(3, 5, 2, 2))


def test_registry_builds():
    loss = MODELS.build(dict(type='VIDLoss', student_channels=3, mid_channels=4,
                             teacher_channels=5))
    assert isinstance(loss, VIDLoss)
    assert loss.regressor[-1].out_channels == 5 and loss.alpha.shape == (5,)

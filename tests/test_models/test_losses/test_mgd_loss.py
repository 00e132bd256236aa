"""Tests of MGDLoss (Yang et al., ECCV 2022)."""
import pytest
import torch

from sfkd.models.losses import MGDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

C = 2
# hand-picked 3x3 kernels, indexed [out][in][row][col]; mixed signs so that
# the ReLU between the two convs clips some values
W1 = [[[[0.1 * (o + 1) * (a - 1) + 0.05 * (c + 1) * (b + 1) - 0.1
         for b in range(3)] for a in range(3)] for c in range(C)] for o in range(C)]
B1 = [0.05, -0.3]
W2 = [[[[0.2 - 0.07 * (a + 2 * b) + 0.1 * o - 0.05 * c
         for b in range(3)] for a in range(3)] for c in range(C)] for o in range(C)]
B2 = [0.1, -0.2]

# (N=1, C=2, H=2, W=2)
STUDENT = [[[[1.0, 2.0], [0.5, -0.5]], [[-1.0, 0.0], [3.0, 1.0]]]]
TEACHER = [[[[0.3, 2.5], [-1.0, 1.5]], [[2.0, 1.0], [0.0, -2.0]]]]


def _conv3x3(x, weight, bias):
    """Zero-padded 3x3 cross-correlation of one (C, H, W) sample, as loops."""
    height, width = len(x[0]), len(x[0][0])
    out = []
    for o in range(len(weight)):
        plane = []
        for i in range(height):
            row = []
            for j in range(width):
                acc = bias[o]
                for c in range(len(x)):
                    for a in range(3):
                        for b in range(3):
                            y, z = i + a - 1, j + b - 1
                            if 0 <= y < height and 0 <= z < width:
                                acc += weight[o][c][a][b] * x[c][y][z]
                row.append(acc)
            plane.append(row)
        out.append(plane)
    return out


def _relu(x):
    return [[[max(v, 0.0) for v in row] for row in plane] for plane in x]


def _reference_mgd(student, teacher, keep):
    """sum((G(s * keep) - t)^2) / N with keep[n][i][j] in {0, 1}."""
    total = 0.0
    for n, (s, t) in enumerate(zip(student, teacher)):
        masked = [[[v * keep[n][i][j] for j, v in enumerate(row)]
                   for i, row in enumerate(plane)] for plane in s]
        gen = _conv3x3(_relu(_conv3x3(masked, W1, B1)), W2, B2)
        total += sum((g - v)**2 for gp, tp in zip(gen, t)
                     for gr, tr in zip(gp, tp) for g, v in zip(gr, tr))
    return total / len(student)


def _loss(**kwargs):
    loss = MGDLoss(channels=C, **kwargs)
    with torch.no_grad():
        loss.generation[0].weight.copy_(torch.tensor(W1))
        loss.generation[0].bias.copy_(torch.tensor(B1))
        loss.generation[2].weight.copy_(torch.tensor(W2))
        loss.generation[2].bias.copy_(torch.tensor(B2))
    return loss


def _tensors():
    return torch.tensor(STUDENT), torch.tensor(TEACHER)


def test_relu_is_exercised_by_the_fixture():
    pre_relu = _conv3x3(STUDENT[0], W1, B1)
    values = [v for plane in pre_relu for row in plane for v in row]
    assert min(values) < 0 < max(values)


def test_exact_value_nothing_masked():
    s, t = _tensors()
    expected = _reference_mgd(STUDENT, TEACHER, [[[1, 1], [1, 1]]])
    assert _loss(lambda_mgd=0.0)(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_exact_value_everything_masked():
    s, t = _tensors()
    expected = _reference_mgd(STUDENT, TEACHER, [[[0, 0], [0, 0]]])
    assert _loss(lambda_mgd=1.0)(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_exact_value_with_seeded_generator():
    # the mask is keep = rand(N, 1, H, W) <= 1 - lambda_mgd, drawn from the generator
    lam = 0.5
    draws = torch.rand((1, 1, 2, 2), generator=torch.Generator().manual_seed(7))
    keep = [[[1 if v <= 1 - lam else 0 for v in row] for row in draws[0, 0].tolist()]]
    assert 0 < sum(sum(r) for r in keep[0]) < 4  # a partial mask for this seed
    s, t = _tensors()
    loss = _loss(lambda_mgd=lam, generator=torch.Generator().manual_seed(7))
    expected = _reference_mgd(STUDENT, TEACHER, keep)
    assert loss(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_batch_of_two_divides_by_n():
    student = STUDENT + [[[[0.0, 1.0], [1.0, 0.0]], [[2.0, -2.0], [0.5, 0.5]]]]
    teacher = TEACHER + [[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, -1.0]]]]
    expected = _reference_mgd(student, teacher, [[[1, 1], [1, 1]]] * 2)
    loss = _loss(lambda_mgd=0.0)(torch.tensor(student), torch.tensor(teacher))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_global_seed_reproduces_mask():
    loss = MGDLoss(channels=C)
    s, t = torch.randn(2, C, 8, 8), torch.randn(2, C, 8, 8)
    torch.manual_seed(0)
    first = loss(s, t)
    second = loss(s, t)
    torch.manual_seed(0)
    torch.testing.assert_close(loss(s, t), first)
    assert second.item() != pytest.approx(first.item(), rel=1e-6)


def test_mask_keep_rate_and_layout():
    mgd = MGDLoss(channels=3, lambda_mgd=0.65, generator=torch.Generator().manual_seed(0))
    mask = mgd.random_mask(torch.zeros(4, 3, 50, 50))
    assert mask.shape == (4, 1, 50, 50)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    assert mask.mean().item() == pytest.approx(0.35, abs=0.02)


def test_loss_weight_scales():
    s, t = _tensors()
    torch.testing.assert_close(_loss(lambda_mgd=0.0, loss_weight=2e-5)(s, t),
                               2e-5 * _loss(lambda_mgd=0.0)(s, t))


def test_gradient_reaches_student_and_generator_only():
    loss = MGDLoss(channels=C, lambda_mgd=0.0)
    s = torch.randn(2, C, 4, 4, requires_grad=True)
    t = torch.randn(2, C, 4, 4, requires_grad=True)
    loss(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert all(p.grad is not None for p in loss.parameters())
    assert t.grad is None  # the teacher is detached


def test_bad_inputs_raise():
    with pytest.raises(ValueError):
        MGDLoss(channels=3)(torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 4))
    with pytest.raises(ValueError):
        MGDLoss(channels=2)(torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 3))
    with pytest.raises(ValueError):
        MGDLoss(channels=2, lambda_mgd=1.5)


def test_registry_builds():
    loss = MODELS.build(dict(type='MGDLoss', channels=4, lambda_mgd=0.5))
    assert isinstance(loss, MGDLoss)
    assert loss.lambda_mgd == 0.5
    assert loss.generation[0].in_channels == 4 and loss.generation[2].out_channels == 4

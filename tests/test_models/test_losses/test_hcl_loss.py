"""ReviewKD's hierarchical context loss (Chen et al., arXiv:2104.09044), as values.

The reference pools with plain loops over the bins that adaptive average pooling
uses (bin ``i`` of ``k`` over ``H`` rows spans rows ``floor(i*H/k)`` to
``ceil((i+1)*H/k)``), takes each mean of squares element by element, and weighs
the pyramid's levels 1, 1/2, 1/4, 1/8 over the pooled sizes kept.
"""
import math

import pytest
import torch

from sfkd.models.losses import HCLLoss
from sfkd.models.training_progress import set_progress
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def rand(*shape, seed):
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def pool(x, k):
    """Adaptive average pooling of (N, C, H, W) to k x k, bin by bin."""
    n, c, h, w = x.shape
    out = torch.zeros(n, c, k, k, dtype=x.dtype)
    for i in range(k):
        r0, r1 = (i * h) // k, math.ceil((i + 1) * h / k)
        for j in range(k):
            c0, c1 = (j * w) // k, math.ceil((j + 1) * w / k)
            for a in range(n):
                for b in range(c):
                    cells = [x[a, b, r, q] for r in range(r0, r1) for q in range(c0, c1)]
                    out[a, b, i, j] = sum(cells) / len(cells)
    return out


def mse(s, t):
    diffs = [(p - q) ** 2 for p, q in zip(s.flatten(), t.flatten())]
    return sum(diffs) / len(diffs)


def hcl(s, t, sizes=(4, 2, 1)):
    if s.dim() == 2:
        return mse(s, t)
    kept = [k for k in sizes if k < min(s.shape[-2:])]
    weights = [1.0] + [0.5 ** (j + 1) for j in range(len(kept))]
    terms = [mse(s, t)] + [mse(pool(s, k), pool(t, k)) for k in kept]
    return sum(w * v for w, v in zip(weights, terms)) / sum(weights)


def test_an_8x8_pair_is_compared_whole_and_at_4_2_and_1():
    s, t = rand(2, 3, 8, 8, seed=0), rand(2, 3, 8, 8, seed=1)
    expected = (mse(s, t) + mse(pool(s, 4), pool(t, 4)) / 2 + mse(pool(s, 2), pool(t, 2)) / 4
                + mse(pool(s, 1), pool(t, 1)) / 8) / (1 + 1 / 2 + 1 / 4 + 1 / 8)
    assert HCLLoss()(s, t).item() == pytest.approx(expected.item(), rel=1e-12)


def test_pooled_sizes_as_large_as_the_map_are_left_out():
    """A 4x4 map keeps 2 and 1 (weights 1/2, 1/4); a 6x3 map likewise (3 is its
    short side); a 1x1 map only itself."""
    s, t = rand(2, 2, 4, 4, seed=2), rand(2, 2, 4, 4, seed=3)
    expected = (mse(s, t) + mse(pool(s, 2), pool(t, 2)) / 2
                + mse(pool(s, 1), pool(t, 1)) / 4) / 1.75
    assert HCLLoss()(s, t).item() == pytest.approx(expected.item(), rel=1e-12)
    s, t = rand(2, 2, 6, 3, seed=4), rand(2, 2, 6, 3, seed=5)
    expected = (mse(s, t) + mse(pool(s, 2), pool(t, 2)) / 2
                + mse(pool(s, 1), pool(t, 1)) / 4) / 1.75
    assert HCLLoss()(s, t).item() == pytest.approx(expected.item(), rel=1e-12)
    s, t = rand(3, 5, 1, 1, seed=6), rand(3, 5, 1, 1, seed=7)
    assert HCLLoss()(s, t).item() == pytest.approx(mse(s, t).item(), rel=1e-12)


def test_stage_pairs_are_summed_with_uneven_bins_and_a_pooled_vector():
    shapes = [(2, 3, 7, 7), (2, 4, 5, 5), (2, 6, 3, 3), (2, 6)]
    student = [rand(*s, seed=10 + i) for i, s in enumerate(shapes)]
    teacher = [rand(*s, seed=20 + i) for i, s in enumerate(shapes)]
    expected = sum(hcl(s, t) for s, t in zip(student, teacher))
    loss = HCLLoss(loss_weight=2.5)(student, teacher)
    assert loss.item() == pytest.approx(2.5 * expected.item(), rel=1e-12)
    # a vector is a 1x1 map: its term is its mean of squares
    assert hcl(student[3], teacher[3]).item() == pytest.approx(
        HCLLoss()(student[3][:, :, None, None], teacher[3][:, :, None, None]).item(), rel=1e-12)


def test_custom_pool_sizes_weigh_in_the_order_given():
    s, t = rand(1, 2, 6, 6, seed=30), rand(1, 2, 6, 6, seed=31)
    expected = (mse(s, t) + mse(pool(s, 3), pool(t, 3)) / 2
                + mse(pool(s, 1), pool(t, 1)) / 4) / 1.75
    assert HCLLoss(pool_sizes=(3, 8, 1))(s, t).item() == pytest.approx(expected.item(),
                                                                      rel=1e-12)


def test_the_gradient_reaches_the_student_only():
    s = rand(2, 2, 5, 5, seed=40).requires_grad_()
    t = rand(2, 2, 5, 5, seed=41).requires_grad_()
    HCLLoss()(s, t).backward()
    assert t.grad is None
    ref = s.detach().clone().requires_grad_()
    hcl(ref, t.detach()).backward()
    torch.testing.assert_close(s.grad, ref.grad, rtol=1e-12, atol=1e-15)


def test_the_warm_up_scales_the_loss_by_the_epoch_in_training():
    s, t = rand(2, 2, 4, 4, seed=50), rand(2, 2, 4, 4, seed=51)
    full = HCLLoss()(s, t).item()
    loss = HCLLoss(warmup_epochs=20).train()
    set_progress(loss, epoch=4, max_epochs=240)  # the fifth epoch: 5/20
    assert loss(s, t).item() == pytest.approx(full * 5 / 20, rel=1e-12)
    set_progress(loss, epoch=19, max_epochs=240)
    assert loss(s, t).item() == pytest.approx(full, rel=1e-12)
    set_progress(loss, epoch=0, max_epochs=240)
    assert loss.eval()(s, t).item() == pytest.approx(full, rel=1e-12)  # not in evaluation


def test_a_warm_up_without_the_runs_epoch_is_refused():
    s, t = rand(2, 2, 4, 4, seed=52), rand(2, 2, 4, 4, seed=53)
    loss = HCLLoss(warmup_epochs=20).train()
    with pytest.raises(BadConfigError, match=r"^HCLLoss warmup_epochs=20 needs the run's "
                       r'epoch: call model.set_progress\(epoch, max_epochs, max_iters\)'):
        loss(s, t)
    with torch.no_grad():  # the distiller's build-time dry run
        loss(s, t)


def test_unequal_shapes_name_both_and_the_connector():
    with pytest.raises(ValueError, match=r'^HCLLoss needs student and teacher of the same '
                       r'shape, got student \(2, 3, 4, 4\) and teacher \(2, 5, 4, 4\); fuse '
                       r"the student stages .*ABFConnector"):
        HCLLoss()(rand(2, 3, 4, 4, seed=0), rand(2, 5, 4, 4, seed=1))
    with pytest.raises(ValueError, match=r'^HCLLoss needs as many student as teacher stages'):
        HCLLoss()([rand(2, 3, 4, 4, seed=0)], [rand(2, 3, 4, 4, seed=1)] * 2)


@pytest.mark.parametrize('options, message', [
    (dict(pool_sizes=(4, 0)), r'^pool_sizes must be >= 1 \(a pooled map size\), got 0$'),
    (dict(pool_sizes=4), r'^pool_sizes must be a list of pooled sizes such as \(4, 2, 1\), '
                         r'got 4$'),
    (dict(warmup_epochs=-1), r'^warmup_epochs must be >= 0 \(epochs of linear warm-up\), '
                             r'got -1$'),
    (dict(warmup_epochs=2.5), r'^warmup_epochs must be an integer, got 2.5 \(float\)$'),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(BadConfigError, match=message):
        HCLLoss(**options)

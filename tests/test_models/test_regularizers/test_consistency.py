"""ConsistencyRegularizer: temporal ensembling against a reference written here."""
import math

import pytest
import torch
from torch import nn

from sfkd.models.regularizers import ConsistencyRegularizer

pytestmark = pytest.mark.unit

TEACHER = nn.Identity()  # the term only looks at the outputs


def softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def test_off_in_epoch_zero_then_running_mean():
    reg = ConsistencyRegularizer(num_samples=4, num_classes=2, weight=1.0).train()
    out0 = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    idx = torch.tensor([1, 3])
    assert reg(TEACHER, out0, index=idx, epoch=0, max_epochs=4).item() == 0.0
    # epoch 0 replaces ybar by the predictions (rate 1/(1+0) = 1)
    p0 = [softmax(r) for r in out0.tolist()]
    torch.testing.assert_close(reg.ybar[idx], torch.tensor(p0))
    assert reg.ybar[0].abs().sum() == 0 and reg.ybar[2].abs().sum() == 0

    out1 = torch.tensor([[1.0, 1.0], [0.0, 3.0]])
    p1 = [softmax(r) for r in out1.tolist()]
    # epoch 1: weight (1+1)/4, term uses ybar from before the update
    expected = 0.5 * sum(sum((a - b) ** 2 for a, b in zip(r1, r0)) for r1, r0 in zip(p1, p0)) / 2
    term = reg(TEACHER, out1, index=idx, epoch=1, max_epochs=4)
    assert term.item() == pytest.approx(expected, rel=1e-6)
    # then ybar <- (1 - 1/2) * ybar + 1/2 * p1
    mean = [[(a + b) / 2 for a, b in zip(r0, r1)] for r0, r1 in zip(p0, p1)]
    torch.testing.assert_close(reg.ybar[idx], torch.tensor(mean))


@pytest.mark.parametrize('schedule, epoch, expected', [
    ('linear', 1, 2 / 10), ('linear', 9, 1.0),
    ('step', 4, 0.0), ('step', 5, 1.0),
    ('cosine', 4, (1 - math.cos(math.pi * 5 / 10)) / 2), ('cosine', 9, 1.0),
    ('linear', 0, 0.0), ('cosine', 0, 0.0),
])
def test_schedules(schedule, epoch, expected):
    reg = ConsistencyRegularizer(num_samples=1, num_classes=2, schedule=schedule, weight=1.0)
    assert reg.schedule_weight(epoch, 10) == pytest.approx(expected)


def test_eval_mode_does_not_update_and_buffer_is_saved():
    reg = ConsistencyRegularizer(num_samples=2, num_classes=2).eval()
    reg(TEACHER, torch.ones(1, 2), index=torch.tensor([0]), epoch=0, max_epochs=2)
    assert reg.ybar.abs().sum() == 0
    assert 'ybar' in reg.state_dict()


def test_bad_inputs():
    reg = ConsistencyRegularizer(num_samples=2, num_classes=3)
    with pytest.raises(ValueError, match='sample indices'):
        reg(TEACHER, torch.zeros(1, 3), index=None)
    with pytest.raises(ValueError, match=r'expects \(N, 3\) logits'):
        reg(TEACHER, torch.zeros(1, 4), index=torch.tensor([0]))
    with pytest.raises(ValueError, match='num_samples'):
        reg(TEACHER, torch.zeros(1, 3), index=torch.tensor([5]))
    with pytest.raises(ValueError, match='schedule'):
        ConsistencyRegularizer(num_samples=2, num_classes=3, schedule='exp')


@pytest.mark.parametrize('schedule', ['linear', 'step', 'cosine'])
def test_a_schedule_without_max_epochs_is_a_clear_error_after_epoch_zero(schedule):
    reg = ConsistencyRegularizer(num_samples=1, num_classes=2, schedule=schedule)
    assert reg.schedule_weight(0, None) == 0.0  # epoch 0: off, whatever the length
    with pytest.raises(ValueError, match=rf"^ConsistencyRegularizer schedule='{schedule}' needs "
                                         r"the run's max_epochs at epoch 2: call "
                                         r'model\.set_progress\(epoch, max_epochs, max_iters\)'):
        reg.schedule_weight(2, None)
    fixed = ConsistencyRegularizer(num_samples=1, num_classes=2, schedule='step', step_epoch=1)
    assert fixed.schedule_weight(2, None) == 1.0  # a given step_epoch needs no length

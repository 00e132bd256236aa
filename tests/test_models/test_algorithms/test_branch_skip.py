"""SFTN branch passes skip the student's attach module and the modules that only feed it,
and train the teacher exactly as the full passes (attach output replaced by a hook) do."""
import copy

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT
from torch import nn

from sfkd.models.algorithms.branch_skip import (BranchPlan, find_feeders, placeholder,
                                                record_calls)
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration

SFTN_CFG = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def batch(n=4, seed=0):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 1, 28, 28, generator=g)
    return inputs, [DataSample().set_gt_label(i % 10) for i in range(n)]


def full_pass_copy(model):
    """The same model, its branches always run whole (the attach output replaced by a hook)."""
    full = copy.deepcopy(model)
    for branch in full.branches:
        branch.planned, branch.plan = True, None
    return full


def sgd_steps(model, steps=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    logs = []
    for k in range(steps):
        torch.manual_seed(100 + k)
        losses = model(*batch(seed=k), mode='loss')
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        logs.append({name: float(v.detach()) for name, v in losses.items()})
    return logs


def test_skipping_passes_train_the_teacher_exactly_like_full_passes():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SFTN_CFG).model.to_dict()).train()
    full = full_pass_copy(model)
    stem_bn = copy.deepcopy(model.students['b0'].backbone.stem[1].state_dict())
    fast_logs, full_logs = sgd_steps(model), sgd_steps(full)
    assert [b.plan.skipped for b in model.branches] == [
        ['backbone.layer1', 'backbone.stem'], ['backbone.layer2', 'backbone.layer1',
                                               'backbone.stem']]
    for fast, slow in zip(fast_logs, full_logs):
        assert fast.keys() == slow.keys()
        for name in fast:
            assert fast[name] == pytest.approx(slow[name], rel=1e-6, abs=1e-7), name
    for (name, p), q in zip(model.named_parameters(), full.parameters()):
        if not name.startswith('students.'):  # the teacher and the transforms
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=name)
    # the skipped stem never ran (its batch-norm statistics are as built); in the
    # full passes it did
    skipped_bn = model.students['b0'].backbone.stem[1].state_dict()
    ran_bn = full.students['b0'].backbone.stem[1].state_dict()
    assert all(torch.equal(skipped_bn[k], stem_bn[k]) for k in stem_bn)
    assert not torch.equal(ran_bn['running_mean'], stem_bn['running_mean'])


def test_a_plan_that_changes_the_losses_is_dropped_for_the_attach_module_alone():
    """Dropout in the stem draws random numbers that the head's dropout would then not
    get: skipping the stem changes the losses, so only the attach module is skipped."""
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SFTN_CFG).model.to_dict()).train()
    student = model.students['b0']
    student.backbone.stem.append(nn.Dropout(0.5))
    student.head.fc = nn.Sequential(nn.Dropout(0.5), student.head.fc)
    full = full_pass_copy(model)
    fast_logs, full_logs = sgd_steps(model, 2), sgd_steps(full, 2)
    assert [b.plan.skipped for b in model.branches] == [['backbone.layer1'],
                                                        ['backbone.layer2']]
    for fast, slow in zip(fast_logs, full_logs):
        for name in fast:
            assert fast[name] == pytest.approx(slow[name], rel=1e-6, abs=1e-7), name


class Toy(nn.Module):
    """stem -> side; stage(stem + side) -> head; ``aux`` reads the side's output."""

    def __init__(self, aux: bool) -> None:
        super().__init__()
        self.stem, self.side, self.stage = nn.Linear(3, 4), nn.Linear(4, 4), nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)
        self.aux = nn.Linear(4, 2) if aux else None

    def forward(self, x):
        a = self.stem(x)
        b = self.side(a)
        out = self.head(self.stage(a + b))
        return out + self.aux(b) if self.aux is not None else out


def feeders_of(model, feature, x):
    with record_calls(model, 'stage') as found:
        handle = model.stage.register_forward_hook(lambda m, a, o: feature)
        out = model(x)
        handle.remove()
    return find_feeders(found, [out]), found


def test_feeders_are_the_modules_that_reach_the_attach_input_and_no_loss():
    torch.manual_seed(0)
    x, feature = torch.randn(5, 3), torch.randn(5, 4, requires_grad=True)
    model = Toy(aux=False)
    feeders, found = feeders_of(model, feature, x)
    assert feeders == ['side', 'stem']
    plan = BranchPlan('stage', {p: placeholder(found['outputs'][p]) for p in feeders})
    assert found['outputs']['stem'].shape == (5, 4)
    assert plan.feeders['stem'].shape == (0, 4)  # an empty batch of the same sample shape
    with plan.active(model, feature):
        out = model(x)
    # the head alone on the feature, computed by hand
    torch.testing.assert_close(out, feature @ model.head.weight.T + model.head.bias)
    assert 'forward' not in vars(model.stem) and 'forward' not in vars(model.stage)
    # the auxiliary output reads the side branch, which feeds the stem's output onward
    assert feeders_of(Toy(aux=True), feature, x)[0] == []


def test_a_module_called_twice_is_not_a_feeder():
    class Twice(Toy):
        def forward(self, x):
            a = self.stem(x)
            return self.head(self.stage(self.side(self.side(a))))

    torch.manual_seed(0)
    feeders, _ = feeders_of(Twice(aux=False), torch.randn(5, 4, requires_grad=True),
                            torch.randn(5, 3))
    assert feeders == ['stem']

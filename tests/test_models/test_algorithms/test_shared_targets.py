"""Dense-head targets computed once per SFTN step: the same losses and gradients as
each head computing its own, fewer assignments, and heads that must not share kept
apart."""
import copy

import pytest
import torch
from canvas_data import canvas_batch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT

from sfkd.models.algorithms.shared_targets import SharedDenseTargets
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration

SFTN_DET = f'{ROOT}/configs/sftn/sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py'


@pytest.fixture(scope='module')
def sftn_and_batch(canvas_root):
    with DefaultScope.overwrite_default_scope('sfkd'):
        cfg = Config.fromfile(SFTN_DET)
        torch.manual_seed(0)
        model = MODELS.build(cfg.model.to_dict()).train()
        data = model.data_preprocessor(canvas_batch(cfg, canvas_root, 3), True)
        model(**data, mode='loss')  # the first step plans the branch passes
        yield model, data


def count_computations(monkeypatch):
    """Count the calls that reach mmdet's own get_anchors / get_targets."""
    from mmdet.models.dense_heads.anchor_head import AnchorHead
    counts = dict(get_anchors=0, get_targets=0)
    for name in counts:
        original = getattr(AnchorHead, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(AnchorHead, name, counted)
    return counts


def losses_and_grads(model, data):
    model.zero_grad()
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    values = {k: torch.stack([v.sum() for v in val]).sum() if isinstance(val, list) else val
              for k, val in losses.items()}
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return {k: v.detach() for k, v in values.items()}, grads


def test_shared_targets_give_the_same_losses_and_gradients_with_one_assignment(
        sftn_and_batch, monkeypatch):
    model, data = sftn_and_batch
    counts = count_computations(monkeypatch)
    state = copy.deepcopy(model.state_dict())
    shared_losses, shared_grads = losses_and_grads(model, data)
    # the teacher and the two branch passes of the shared student: one computation each
    assert counts == dict(get_anchors=1, get_targets=1)

    model.load_state_dict(state)
    monkeypatch.setattr(SharedDenseTargets, '__enter__', lambda self: self)  # sharing off
    own_losses, own_grads = losses_and_grads(model, data)
    assert counts == dict(get_anchors=4, get_targets=4)  # then one per head pass
    assert shared_losses.keys() == own_losses.keys()
    for key in own_losses:
        assert torch.equal(shared_losses[key], own_losses[key]), key
    assert shared_grads.keys() == own_grads.keys()
    for name in own_grads:
        assert torch.equal(shared_grads[name], own_grads[name]), name


def test_heads_are_restored_after_the_step(sftn_and_batch):
    model, data = sftn_and_batch
    model(**data, mode='loss')
    heads = [m for m in model.modules() if hasattr(type(m), 'get_targets')]
    assert len(heads) == 2  # the teacher's head and the branch student's
    assert all('get_targets' not in vars(h) and 'get_anchors' not in vars(h) for h in heads)


def test_heads_that_assign_differently_compute_their_own(sftn_and_batch, monkeypatch):
    model, data = sftn_and_batch
    student_head = model.students['b0'].bbox_head
    monkeypatch.setattr(student_head.assigner, 'pos_iou_thr', 0.6)
    student_head.train_cfg = dict(student_head.train_cfg)
    student_head.train_cfg['assigner'] = dict(student_head.train_cfg['assigner'],
                                              pos_iou_thr=0.6)
    counts = count_computations(monkeypatch)
    model(**data, mode='loss')
    # the anchors are still alike; the targets: the teacher's, then the student's once
    assert counts == dict(get_anchors=1, get_targets=2)


def test_a_head_whose_sampler_draws_at_random_takes_no_part(sftn_and_batch, monkeypatch):
    from mmdet.models.task_modules.samplers import RandomSampler
    model, _ = sftn_and_batch
    head = model.students['b0'].bbox_head
    monkeypatch.setattr(head, 'sampler', RandomSampler(num=8, pos_fraction=0.5))
    shared = SharedDenseTargets([model.teacher, *model.students.values()])
    with shared:  # its sampler is read as each step enters
        assert shared.sharing == [model.teacher.bbox_head]
    assert 'get_targets' not in vars(model.teacher.bbox_head)


def test_without_mmdet_heads_nothing_takes_part():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with SharedDenseTargets([model]) as shared:
        assert shared.heads == []

"""SFTN's objective (Park et al., arXiv:2102.07650) as values and gradients.

Each logged term is compared with its weight times the loss recomputed here, in
float64, on the teacher and branch outputs of a forward pass run by hand through
the sub-modules: the teacher's stages, each branch's transform, the student's
stages after its attach point and its head.
"""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from reference import conv_bn_train, cross_entropy, data_samples, head_logits, kd, stages
from sfkd_testing import ROOT

from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

SFTN_CFG = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
# labels that are not the sample indices 0..5
LABELS, INDICES = [3, 7, 1, 9, 0, 4], [0, 1, 2, 3, 4, 5]
L_T, L_CE, L_KL, TAU = 0.7, 1.3, 2.5, 2.0


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def build(share=True, imitation_weight=L_KL):
    cfg = Config.fromfile(SFTN_CFG).model.to_dict()
    cfg['branches'][0]['share_student'] = share
    cfg.update(teacher_weight=L_T, branch_task_weight=L_CE,
               branch_imitation_weight=imitation_weight,
               imitation_loss=dict(type='KDLoss', tau=TAU, detach_teacher=False))
    torch.manual_seed(0)
    model = MODELS.build(cfg).train()
    with torch.no_grad():  # the transforms' BatchNorm affine parameters away from (1, 0)
        for p in model.transforms.parameters():
            if p.dim() == 1:
                p.copy_(torch.linspace(-0.5, 1.5, p.numel()))
    return model


def inputs():
    return torch.randn(len(LABELS), 1, 28, 28, generator=torch.Generator().manual_seed(1))


def by_hand(model, x):
    """Teacher logits and the two branch logits, computed stage by stage.

    The config attaches the student branch at (teacher layer1 -> student layer1) and
    (teacher layer2 -> student layer2): the first branch runs the student's layer2 and
    layer3 on the transformed teacher layer1 feature, the second only its layer3. The
    transforms are the default 1x1 conv + BN + ReLU, written out.
    """
    t = model.teacher
    f1 = stages(t, x, 0, 1)
    f2 = stages(t, f1, 1, 2)
    teacher = head_logits(t, stages(t, f2, 2, 3))
    s1 = model.students['b0' if len(model.students) == 1 else 'b0_0']
    s2 = model.students['b0' if len(model.students) == 1 else 'b0_1']
    branch1 = head_logits(s1, stages(s1, conv_bn_train(model.transforms['b0_0'], f1), 1, 3))
    branch2 = head_logits(s2, stages(s2, conv_bn_train(model.transforms['b0_1'], f2), 2, 3))
    return teacher, branch1, branch2


def hand_objective(teacher, branch1, branch2, imitation_weight=L_KL):
    return {
        'teacher.loss': L_T * cross_entropy(teacher, LABELS),
        'student.b0.layer1.loss': L_CE * cross_entropy(branch1, LABELS),
        'student.b0.layer2.loss': L_CE * cross_entropy(branch2, LABELS),
        'distill.b0.layer1.loss_imitation': imitation_weight * kd(branch1, teacher, TAU),
        'distill.b0.layer2.loss_imitation': imitation_weight * kd(branch2, teacher, TAU),
    }


@pytest.mark.parametrize('share', [True, False])
def test_each_logged_term_is_its_weight_times_the_loss(share):
    model = build(share)
    x = inputs()
    losses = model(x, data_samples(LABELS, INDICES), mode='loss')
    with torch.no_grad():
        expected = hand_objective(*by_hand(model, x))
    assert set(losses) == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key].detach().double(), value, rtol=1e-5, atol=1e-6,
                                   msg=key)


def test_the_branch_logits_are_those_of_the_transformed_teacher_features():
    """The head of the shared student runs once per branch, in the order of the attach points
    (after the first training pass, which plans what each branch skips by running it more
    than once)."""
    model = build()
    x = inputs()
    model(x, data_samples(LABELS, INDICES), mode='loss')
    seen = []
    handle = model.students['b0'].head.fc.register_forward_hook(
        lambda m, a, out: seen.append(out.detach()))
    try:
        model(x, data_samples(LABELS, INDICES), mode='loss')
    finally:
        handle.remove()
    with torch.no_grad():
        _, branch1, branch2 = by_hand(model, x)
    assert len(seen) == 2
    torch.testing.assert_close(seen[0], branch1)
    torch.testing.assert_close(seen[1], branch2)


def grads(loss, params):
    return torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)


def gradient_check(imitation_weight):
    """The model's gradients on the teacher and the transforms against those of the hand
    objective; returns, per parameter name, the gradient of the branch terms alone."""
    model = build(imitation_weight=imitation_weight)
    x = inputs()
    named = dict(model.teacher.named_parameters())
    named.update({f'transforms.{k}': p for k, p in model.transforms.named_parameters()})
    model.zero_grad()
    sum(model(x, data_samples(LABELS, INDICES), mode='loss').values()).backward()

    hand = hand_objective(*by_hand(model, x), imitation_weight=imitation_weight)
    params = list(named.values())
    total = grads(sum(hand.values()), params)
    branch = grads(sum(v for k, v in hand.items() if k != 'teacher.loss'), params)
    for (key, p), g_total in zip(named.items(), total):
        torch.testing.assert_close(p.grad, g_total, rtol=1e-4, atol=1e-5)
    return {k: g for k, g in zip(named, branch)}


def reaches(grad):
    return grad is not None and grad.abs().sum() > 0


def test_without_imitation_the_branches_train_the_early_teacher_stages_and_the_transforms():
    for key, grad in gradient_check(imitation_weight=0.0).items():
        # the branches read the teacher at layer1 and layer2 through the transforms:
        # stem, layer1, layer2 and both transforms get branch gradient; layer3 and the
        # head get the teacher's own task gradient only
        early = key.startswith(('backbone.stem', 'backbone.layer1', 'backbone.layer2',
                                'transforms.'))
        assert reaches(grad) == early, key


def test_the_imitation_term_trains_the_whole_teacher():
    """``detach_teacher=False``: the KL also pulls the teacher's logits to its branches."""
    branch = gradient_check(imitation_weight=L_KL)
    assert all(reaches(grad) for grad in branch.values())


def test_the_student_stages_before_an_attach_point_do_not_change_the_branch_output():
    model = build()
    x, samples = inputs(), data_samples(LABELS, INDICES)
    student = model.students['b0']

    def branch_outputs():
        seen = []
        handle = student.head.fc.register_forward_hook(lambda m, a, out: seen.append(out.detach()))
        try:
            losses = model(x, samples, mode='loss')
        finally:
            handle.remove()
        return seen, losses

    model(x, samples, mode='loss')  # the planning pass, which runs each branch more than once
    (before1, before2), losses = branch_outputs()
    sum(losses.values()).backward()
    # their output is replaced, so they get no gradient (DDP's find_unused_parameters)
    assert all(p.grad is None for p in student.backbone.stem.parameters())
    assert all(p.grad is None for p in student.backbone.layer1.parameters())
    with torch.no_grad():  # before both attach points
        for p in [*student.backbone.stem.parameters(), *student.backbone.layer1.parameters()]:
            p.add_(torch.randn_like(p))
    (after1, after2), _ = branch_outputs()
    assert torch.equal(after1, before1) and torch.equal(after2, before2)
    with torch.no_grad():  # after the first attach point, before the second
        for p in student.backbone.layer2.parameters():
            p.add_(torch.randn_like(p))
    (changed1, after2), _ = branch_outputs()
    assert torch.equal(after2, before2)
    assert not torch.allclose(changed1, before1)

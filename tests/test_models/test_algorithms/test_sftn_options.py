"""SFTN's options: branch reduction, detached teacher logits in the KL,
the branch warm-up of the fine-tune mode, shared or separate branch students.

Expected values are recomputed here (``reference.py``, float64) on a forward pass run by
hand through the sub-modules, or counted from the plain models, never taken from the
wrapper under test.
"""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from reference import cross_entropy, data_samples, kd
from sfkd_testing import ROOT
from test_sftn_objective import by_hand

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

SFTN_CFG = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
LABELS, INDICES = [3, 7, 1, 9, 0, 4], [0, 1, 2, 3, 4, 5]
L_T, L_CE, L_KL, TAU = 0.7, 1.3, 2.5, 2.0
BRANCH_KEYS = ('student.b0.layer1.loss', 'student.b0.layer2.loss',
               'distill.b0.layer1.loss_imitation', 'distill.b0.layer2.loss_imitation')


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def cfg(**options):
    model = Config.fromfile(SFTN_CFG).model.to_dict()
    share = options.pop('share_student', True)
    model['branches'][0]['share_student'] = share
    model.update(teacher_weight=L_T, branch_task_weight=L_CE, branch_imitation_weight=L_KL,
                 imitation_loss=dict(type='KDLoss', tau=TAU, detach_teacher=False), **options)
    return model


def build(**options):
    torch.manual_seed(0)
    model = MODELS.build(cfg(**options)).train()
    with torch.no_grad():  # the transforms' BatchNorm affine parameters away from (1, 0)
        for p in model.transforms.parameters():
            if p.dim() == 1:
                p.copy_(torch.linspace(-0.5, 1.5, p.numel()))
    return model


def inputs(n=len(LABELS)):
    return torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))


# ------------------------------------------------------------------ sum or mean
def test_mean_divides_every_branch_term_by_the_number_of_branches():
    x, samples = inputs(), data_samples(LABELS, INDICES)
    logged = {}
    for reduction in ('sum', 'mean'):
        model = build(branch_reduction=reduction)
        logged[reduction] = {k: v.detach().double()
                             for k, v in model(x, samples, mode='loss').items()}
    with torch.no_grad():
        teacher, branch1, branch2 = by_hand(model, x)  # the same weights in both models
    teacher_term = L_T * cross_entropy(teacher, LABELS)
    branch_terms = [L_CE * cross_entropy(branch1, LABELS), L_CE * cross_entropy(branch2, LABELS),
                    L_KL * kd(branch1, teacher, TAU), L_KL * kd(branch2, teacher, TAU)]
    for reduction, factor in (('sum', 1.0), ('mean', 0.5)):  # two branches
        losses = logged[reduction]
        torch.testing.assert_close(losses['teacher.loss'], teacher_term, rtol=1e-5, atol=1e-6)
        for key, term in zip(BRANCH_KEYS, branch_terms):
            torch.testing.assert_close(losses[key], factor * term, rtol=1e-5, atol=1e-6,
                                       msg=f'{reduction} {key}')
        # the logged terms add up to the objective: l_T CE_T + r * (sum of branch terms)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        torch.testing.assert_close(total, teacher_term + factor * sum(branch_terms),
                                   rtol=1e-5, atol=1e-6)
    # the same logged terms: the mean run's branch terms are the sum run's halved
    for key in BRANCH_KEYS:
        torch.testing.assert_close(logged['mean'][key], logged['sum'][key] / 2)


# ------------------------------------------------------- detached teacher logits
def imitation_grads(model, x, samples):
    """The gradient of the two imitation terms alone on each teacher parameter."""
    losses = model(x, samples, mode='loss')
    kl = sum(v for k, v in losses.items() if k.startswith('distill.'))
    named = dict(model.teacher.named_parameters())
    grads = torch.autograd.grad(kl, list(named.values()), allow_unused=True)
    return dict(zip(named, grads))


@pytest.mark.parametrize('detach', [False, True])
def test_detached_teacher_logits_keep_the_kl_out_of_the_teacher_head(detach):
    model = build(detach_teacher_in_kl=detach)
    x, samples = inputs(), data_samples(LABELS, INDICES)
    got = imitation_grads(model, x, samples)
    # by hand: the KL of both branches, the teacher's logits detached or not
    named = dict(model.teacher.named_parameters())
    teacher, branch1, branch2 = by_hand(model, x)
    target = teacher.detach() if detach else teacher
    hand = L_KL * (kd(branch1, target, TAU) + kd(branch2, target, TAU))
    expected = torch.autograd.grad(hand, list(named.values()), allow_unused=True)
    for (key, g), e in zip(got.items(), expected):
        if e is None:
            assert g is None or not g.abs().any(), key
        else:
            torch.testing.assert_close(g, e.float(), rtol=1e-4, atol=1e-6, msg=key)
    # after the last attach point (layer3, head) the KL reaches the teacher only through
    # its logits; before it (stem, layer1, layer2) also through the branch inputs
    late = [k for k in got if k.startswith(('backbone.layer3', 'head.'))]
    early = [k for k in got if k.startswith(('backbone.stem', 'backbone.layer1'))]
    assert late and early
    for key in late:
        reaches = got[key] is not None and bool(got[key].abs().any())
        assert reaches != detach, key
    assert all(got[k] is not None and got[k].abs().any() for k in early)


# ---------------------------------------------------------------- branch warm-up
def teacher_state(model):
    return {k: v.detach().clone() for k, v in model.teacher.state_dict().items()}


def train_steps(model, wrapper, n):
    x = inputs(8)
    samples = data_samples([3, 7, 1, 9, 0, 4, 2, 5], list(range(8)))
    batch = dict(inputs=list((x * 50 + 100).clamp(0, 255).byte()), data_samples=samples)
    return [model.train_step(batch, wrapper) for _ in range(n)]


def test_the_warm_up_trains_the_branches_only_then_the_teacher_joins(tmp_path):
    torch.manual_seed(3)
    teacher = build_model(cfg()['teacher'], 'teacher')
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    model = build(teacher_ckpt=ckpt, branch_warmup_epochs=1)
    start = teacher_state(model)
    assert all(torch.equal(start[k], v) for k, v in teacher.state_dict().items())
    bn_means = [k for k in start if k.endswith('running_mean')]
    assert bn_means
    others = {k: p.detach().clone() for k, p in model.named_parameters()
              if not k.startswith('teacher.')}
    # momentum and weight decay: a parameter with a zero (not absent) gradient would move
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                           weight_decay=5e-4))
    model.set_progress(0, max_epochs=2)  # warm-up
    logs = train_steps(model, wrapper, 2)
    assert model.teacher.training  # the teacher's mode is back after each step
    assert all(p.grad is None for p in model.teacher.parameters())
    now = teacher_state(model)
    for key, value in start.items():  # weights and BatchNorm statistics
        assert torch.equal(now[key], value), key
    moved = [k for k, p in model.named_parameters()
             if not k.startswith('teacher.') and not torch.equal(p, others[k])]
    assert any(k.startswith('transforms.') for k in moved)
    assert any(k.startswith('students.b0.head') for k in moved)
    assert 'teacher.loss' in logs[0] and 'distill.b0.layer1.loss_imitation' in logs[0]

    model.set_progress(1, max_epochs=2)  # joint training
    train_steps(model, wrapper, 1)
    now = teacher_state(model)
    assert not torch.equal(now['head.fc.weight'], start['head.fc.weight'])
    assert not torch.equal(now['backbone.layer1.0.conv1.weight'],
                           start['backbone.layer1.0.conv1.weight'])
    assert all(not torch.equal(now[k], start[k]) for k in bn_means)


def test_a_warm_up_as_long_as_the_run_is_refused(tmp_path):
    teacher = build_model(cfg()['teacher'], 'teacher')
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    model = build(teacher_ckpt=ckpt, branch_warmup_epochs=2)
    model.set_progress(0, max_epochs=2)
    with pytest.raises(BadConfigError, match=r'model.branch_warmup_epochs=2 covers the whole '
                                             r'run \(max_epochs=2'):
        model(inputs(), data_samples(LABELS, INDICES), mode='loss')


def test_a_warm_up_without_the_run_length_says_how_to_give_it(tmp_path):
    """Stepped by hand, without set_progress, the model is at epoch 0 but cannot check the
    warm-up against the run's length: it says so instead of guessing."""
    teacher = build_model(cfg()['teacher'], 'teacher')
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    model = build(teacher_ckpt=ckpt, branch_warmup_epochs=1)
    assert model.progress == (0, None, None)
    with pytest.raises(BadConfigError, match=r"^model\.branch_warmup_epochs=1 needs the run's "
                                             r'max_epochs to check that the teacher trains '
                                             r'after the warm-up: call model\.set_progress\('
                                             r"epoch, max_epochs, max_iters\) .*sfkd's runner"):
        model(inputs(), data_samples(LABELS, INDICES), mode='loss')
    model.eval()  # validation needs no progress
    model(inputs(), data_samples(LABELS, INDICES), mode='loss')


# --------------------------------------------------- shared or separate students
def n_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('share, copies', [(True, 1), (False, 2)])
def test_separate_branch_students_are_one_copy_per_attach_point(share, copies):
    model = build(share_student=share)
    spec = cfg()
    student = n_params(build_model(spec['branches'][0]['student'], 'student'))
    teacher = n_params(build_model(spec['teacher'], 'teacher'))
    assert len(model.students) == copies
    assert n_params(model.students) == copies * student
    # the wrapper holds the teacher, the students and the two transforms, nothing else
    assert n_params(model) == teacher + copies * student + n_params(model.transforms)
    # transforms: 1x1 conv (no bias) + BN from teacher (16, 32 channels) to student (8, 16)
    assert n_params(model.transforms) == (16 * 8 + 2 * 8) + (32 * 16 + 2 * 16)


# ------------------------------------------------------------ channels-last branches
def conv_weights(module):
    return {k: p for k, p in module.named_parameters() if p.dim() == 4}


def test_channels_last_branches_give_the_objective_and_its_gradients():
    """The losses and every parameter's gradient against the objective written out by hand
    (the same weights, NCHW tensors); only the branches' convolution weights change
    layout, and the gradients reaching the teacher come back in its own layout."""
    model = build()  # channels-last branches are the default
    assert model.branch_channels_last
    # (a 1x1 kernel's strides are both layouts at once; a 3x3 student kernel's are not)
    weights = {**conv_weights(model.transforms), **conv_weights(model.students)}
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in weights.values())
    assert any(not w.is_contiguous() for w in conv_weights(model.students).values())
    assert all(w.is_contiguous() for w in conv_weights(model.teacher).values())
    reference = build(branch_channels_last=False)
    reference.load_state_dict(model.state_dict())
    x, samples = inputs(), data_samples(LABELS, INDICES)
    teacher_grads = []  # the gradient at each attach point's teacher feature

    def keep_grad(module, args, out):
        out.register_hook(teacher_grads.append)

    hooks = [model.teacher.backbone.get_submodule(name).register_forward_hook(keep_grad)
             for name in ('layer1', 'layer2')]
    losses = model(x, samples, mode='loss')
    for hook in hooks:
        hook.remove()
    teacher, branch1, branch2 = by_hand(reference, x)
    hand = [L_T * cross_entropy(teacher, LABELS),
            L_CE * cross_entropy(branch1, LABELS), L_CE * cross_entropy(branch2, LABELS),
            L_KL * kd(branch1, teacher, TAU), L_KL * kd(branch2, teacher, TAU)]
    for key, term in zip(('teacher.loss', ) + BRANCH_KEYS, hand):
        torch.testing.assert_close(losses[key].double(), term, rtol=1e-5, atol=1e-6, msg=key)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    params = dict(model.named_parameters())
    got = torch.autograd.grad(total, list(params.values()), allow_unused=True)
    ref_params = dict(reference.named_parameters())
    expected = torch.autograd.grad(sum(hand), [ref_params[k] for k in params],
                                   allow_unused=True)
    used = 0
    for (key, g), e in zip(zip(params, got), expected):
        if e is None:  # the student's stem and layer1, which no branch runs
            assert g is None, key
            continue
        used += 1
        torch.testing.assert_close(g, e.float(), rtol=1e-4, atol=1e-6, msg=key)
    assert used > len(params) // 2
    assert len(teacher_grads) == 2 and all(g.is_contiguous() for g in teacher_grads), \
        'a gradient came back to the teacher channels-last'


def test_either_layout_loads_the_other_layouts_checkpoint():
    """The layout is not in the state dict: a run's weights load as they are into either
    layout, which each keeps."""
    for source, target in ((False, True), (True, False)):
        saved = build(branch_channels_last=source)
        model = build(branch_channels_last=target)
        model.load_state_dict(saved.state_dict())
        for key, value in saved.state_dict().items():
            assert torch.equal(model.state_dict()[key], value), key
        weights = conv_weights(model.students)
        assert any(not w.is_contiguous() for w in weights.values()) == target
        layout = torch.channels_last if target else torch.contiguous_format
        assert all(w.is_contiguous(memory_format=layout) for w in weights.values())


# ------------------------------------------------------------------- bad values
@pytest.mark.parametrize('options, message', [
    (dict(branch_reduction='avg'),
     "model.branch_reduction must be 'sum' (the branch terms added, as in the SFTN paper) or "
     "'mean' (averaged over the branches), got 'avg'"),
    (dict(detach_teacher_in_kl='yes'),
     "model.detach_teacher_in_kl must be True or False (whether the imitation term detaches "
     "the teacher output), got 'yes'"),
    (dict(branch_channels_last='yes'),
     "model.branch_channels_last must be True or False (whether the branch passes run "
     "channels-last), got 'yes'"),
    (dict(branch_warmup_epochs=-1),
     'model.branch_warmup_epochs must be >= 0 (the epochs in which only the branches train), '
     'got -1'),
    (dict(branch_warmup_epochs=1),
     'model.branch_warmup_epochs=1 freezes the teacher while its branches warm up, which needs '
     'a trained teacher: set model.teacher_ckpt (the fine-tune mode) or set '
     'model.branch_warmup_epochs=0'),
])
def test_bad_option_values(options, message):
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg(**options))
    assert str(err.value) == message


# ------------------------------------------------------------- the warm-up config
def test_the_warm_up_config_freezes_the_teacher_in_its_first_epoch_only(tmp_path, fmnist_root):
    """Two epochs of the warm-up config on a real subset, through the training tool: the
    epoch-1 checkpoint holds the starting teacher, the last one a trained teacher."""
    from sfkd_testing import tiny_options

    from sfkd.tools import train as train_tool
    teacher = build_model(Config.fromfile(SFTN_CFG).model.teacher.to_dict(), 'teacher')
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    work = str(tmp_path / 'run')
    train_tool.run([f'{ROOT}/configs/sftn/sftn-finetune-warmup_small-resnet_tiny-resnet_'
                    'fashion-mnist.py', '--work-dir', work, '--cfg-options',
                    *tiny_options(train=64, test=32, batch=32, epochs=2),
                    f'model.teacher_ckpt={ckpt}'])
    start = teacher.state_dict()

    def teacher_of(name):
        state = torch.load(f'{work}/{name}', map_location='cpu', weights_only=False)
        return {k[len('teacher.'):]: v for k, v in state['state_dict'].items()
                if k.startswith('teacher.')}

    warm, joint = teacher_of('epoch_1.pth'), teacher_of('epoch_2.pth')
    assert set(warm) == set(start)
    diff = [k for k, v in start.items() if not torch.equal(warm[k], v)]
    assert not diff, diff
    assert not torch.equal(joint['head.fc.weight'], start['head.fc.weight'])
    assert not torch.equal(joint['backbone.stem.1.running_mean'],
                           start['backbone.stem.1.running_mean'])

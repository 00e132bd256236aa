"""LW-KD through the AdversarialDistiller: class-conditional teacher inputs, alternating
adversarial updates with two optimisers, their errors, and a student-only export."""
import copy

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper
from sfkd_testing import ROOT, tiny_options

from sfkd.datasets.fashion_mnist import fashion_mnist_batch
from sfkd.engine.submodel_export import export_submodel
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.tools import train as train_tool
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

LWKD_CFG = f'{ROOT}/configs/lwkd/lwkd_lenet_tiny-resnet_fashion-mnist.py'
STUDENT_CFG = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
TWO_OPTIMISERS = ("optim_wrapper=dict(constructor='DistillerOptimWrapperConstructor', student="
                  "dict(type='OptimWrapper', optimizer=...), discriminator=dict(type='OptimWrapper'"
                  ', optimizer=...))')


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def lwkd(tmp_path_factory):
    """The LW-KD config's model and optimiser configs, with a (random) LeNet teacher saved."""
    with DefaultScope.overwrite_default_scope('sfkd'):
        cfg = Config.fromfile(LWKD_CFG)
        model = cfg.model.to_dict()
        model['teacher_inputs']['samples_per_class'] = 4  # a small bank: quick to render
        torch.manual_seed(0)
        teacher = build_model(model['teacher'])
    path = tmp_path_factory.mktemp('lenet') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    model['teacher_ckpt'] = str(path)
    return model, cfg.optim_wrapper.to_dict()


@pytest.fixture(scope='module')
def batch(fmnist_root):
    return fashion_mnist_batch(fmnist_root, 32)


def test_teacher_sees_a_synthetic_image_of_each_samples_class(lwkd, batch):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    provider = model.teacher_inputs
    teacher = model.get_teacher()
    # normalised by the teacher's own preprocessor (synthetic digits' mean/std)
    assert torch.allclose(provider.mean.flatten(), teacher.data_preprocessor.mean.flatten())
    assert torch.allclose(provider.std.flatten(), teacher.data_preprocessor.std.flatten())
    data = model.data_preprocessor(batch, True)
    images = provider(data['inputs'], data['data_samples'])
    assert images.shape == data['inputs'].shape
    raw = images * provider.std + provider.mean
    for image, sample in zip(raw, data['data_samples']):
        bank = provider.bank[int(sample.gt_label)]
        assert ((bank - image).abs().flatten(1).max(1).values < 1e-3).any()
    # the teacher's taps record its outputs on those images, not on the Fashion-MNIST ones
    model.loss(data['inputs'], data['data_samples'])
    recorded = model.teacher_taps.values()['teacher.logits']
    assert recorded.shape == (32, 10)
    with torch.no_grad():
        on_fashion = teacher(data['inputs'], mode='tensor')
    assert not torch.allclose(recorded, on_fashion)


def test_class_count_differing_from_the_target_is_refused(lwkd):
    cfg = copy.deepcopy(lwkd[0])
    cfg['teacher_inputs']['num_classes'] = 12
    with pytest.raises(BadConfigError, match='synthetic set has 12 classes but the student '
                                             'predicts 10.*num_classes=10'):
        MODELS.build(cfg)


def test_student_of_another_class_count_than_a_consistent_teacher_gets_the_class_message(lwkd):
    cfg = copy.deepcopy(lwkd[0])
    cfg['student']['head'] = dict(num_classes=100)  # merged into the student's model config
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    assert str(err.value) == (
        'model.teacher_inputs: the synthetic set and the teacher have 10 classes but the student '
        "predicts 100; the three need the target data set's class count: if it has 100, set "
        'model.teacher_inputs.num_classes=100 and train the teacher on '
        'SyntheticDigits(num_classes=100), else give the student 10 classes (e.g. '
        'model.student.head.num_classes=10)')


def test_alternating_updates_with_two_optimisers(lwkd, batch):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    wrapper = build_optim_wrapper(model, copy.deepcopy(lwkd[1]))
    disc = model.distill_losses.loss_adv.discriminator
    disc_ids = {id(p) for p in disc.parameters()}
    student_ids = {id(p) for g in wrapper['student'].optimizer.param_groups for p in g['params']}
    assert disc_ids == {id(p) for g in wrapper['discriminator'].optimizer.param_groups
                        for p in g['params']}
    assert student_ids.isdisjoint(disc_ids)
    assert {id(p) for p in model.student.parameters()} <= student_ids
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    teacher_before = [p.detach().clone() for p in model.get_teacher().parameters()]
    model.train()
    for _ in range(2):
        log = model.train_step(batch, wrapper)
    assert {'distill.loss_kd', 'distill.loss_adv', 'disc.loss_real', 'disc.loss_fake',
            'student.loss', 'loss'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert any(n.startswith('student.') for n in changed)
    assert any(n.startswith('distill_losses.loss_adv.discriminator.') for n in changed)
    assert all(torch.equal(a, b) for a, b in zip(teacher_before,
                                                 model.get_teacher().parameters()))


def test_student_step_gives_the_discriminator_no_gradient(lwkd, batch):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    wrapper = build_optim_wrapper(model, copy.deepcopy(lwkd[1]))
    disc = model.distill_losses.loss_adv.discriminator
    seen = []  # (trainable?, input carries the student's graph?) per discriminator call
    hook = disc.register_forward_pre_hook(lambda m, args: seen.append(
        (next(m.parameters()).requires_grad, args[0].requires_grad)))
    model.train()
    model.train_step(batch, wrapper)
    hook.remove()
    # the student's term: the discriminator fixed, the gradient flows to the student;
    # then its own two terms on detached outputs, with its parameters trainable
    assert seen == [(False, True), (True, False), (True, False)]


def test_discriminator_without_its_optimiser_is_refused(lwkd, batch):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(BadConfigError) as err:
        model.train_step(batch, plain)
    assert str(err.value) == (
        "optim_wrapper has no 'student' and no 'discriminator' wrapper (got one OptimWrapper): "
        "distill loss 'loss_adv' has a discriminator, which needs its own optimiser; set "
        + TWO_OPTIMISERS)
    # a wrapper dict of another constructor, without the discriminator's
    student_only = OptimWrapperDict(student=plain)
    with pytest.raises(BadConfigError) as err:
        model.train_step(batch, student_only)
    assert str(err.value).startswith(
        "optim_wrapper has no 'discriminator' wrapper (got an OptimWrapperDict with "
        "['student']): ")
    assert all(torch.equal(p, before[n]) for n, p in model.named_parameters())  # no step ran
    optim = copy.deepcopy(lwkd[1])
    del optim['discriminator']
    with pytest.raises(BadConfigError, match=r"missing \['discriminator'\]"):
        build_optim_wrapper(model, optim)


def test_plain_optimiser_is_refused_when_the_runner_is_built(lwkd, tmp_path, fmnist_root):
    cfg = tmp_path / 'plain_optim.py'
    cfg.write_text(f"_base_ = ['{LWKD_CFG}']\noptim_wrapper = dict(_delete_=True, type="
                   "'OptimWrapper', optimizer=dict(type='SGD', lr=0.1))\n")
    work = tmp_path / 'work'
    # refused by build_runner (the wrapper is checked once built), before any training step
    with pytest.raises(BadConfigError) as err:
        train_tool.build_runner([str(cfg), '--work-dir', str(work), '--cfg-options',
                                 *tiny_options(train=64, test=32, batch=32),
                                 f'model.teacher_ckpt={lwkd[0]["teacher_ckpt"]}'])
    assert str(err.value) == (
        "optim_wrapper has no 'student' and no 'discriminator' wrapper (got one OptimWrapper): "
        "distill loss 'loss_adv' has a discriminator, which needs its own optimiser; set "
        + TWO_OPTIMISERS)


def test_plain_distiller_refuses_an_adversarial_loss(lwkd):
    cfg = copy.deepcopy(lwkd[0])
    cfg['type'] = 'Distiller'
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    assert str(err.value) == (
        "distill loss 'loss_adv' (AdversarialKDLoss) is trained by AdversarialDistiller, not by "
        f"Distiller: set model.type='AdversarialDistiller' with {TWO_OPTIMISERS}, as "
        'the sfkd::lwkd/ configs do')


def test_adversarial_distiller_without_an_adversarial_loss_is_refused(lwkd):
    cfg = copy.deepcopy(lwkd[0])
    del cfg['distill_losses']['loss_adv'], cfg['loss_inputs']['loss_adv']
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    assert str(err.value) == (
        "model.type=AdversarialDistiller, but none of the distill losses ['loss_kd'] is "
        "adversarial (has a discriminator); use model.type='Distiller', or add one, e.g. "
        "dict(type='AdversarialKDLoss', discriminator=dict(type='OutputDiscriminator', "
        'num_classes=10))')
    # the plain Distiller trains it, and refuses the discriminator's optimiser
    cfg['type'] = 'Distiller'
    model = MODELS.build(cfg)
    assert not hasattr(model, 'discriminators')
    with pytest.raises(BadConfigError, match='optim_wrapper.discriminator is set, but no distill '
                                             'loss of the model has a discriminator'):
        build_optim_wrapper(model, copy.deepcopy(lwkd[1]))


def test_alternating_updates_refuse_a_wrapped_model(lwkd):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    with pytest.raises(BadConfigError, match='run in one process, but the model is wrapped in '
                                             'DataParallel; train without --launcher'):
        build_optim_wrapper(torch.nn.DataParallel(model), copy.deepcopy(lwkd[1]))


def test_checkpoint_exports_the_student_alone(lwkd, tmp_path):
    model = MODELS.build(copy.deepcopy(lwkd[0]))
    src, dst = tmp_path / 'epoch_1.pth', tmp_path / 'student.pth'
    torch.save({'state_dict': model.state_dict()}, src)
    assert any('discriminator' in k for k in model.state_dict())
    export_submodel(str(src), str(dst), 'student')
    state = torch.load(dst, weights_only=True)['state_dict']
    student = build_model(Config.fromfile(STUDENT_CFG).model.to_dict())
    student.load_state_dict(state, strict=True)  # every key, nothing else
    assert all(torch.equal(state[k], v) for k, v in model.student.state_dict().items())

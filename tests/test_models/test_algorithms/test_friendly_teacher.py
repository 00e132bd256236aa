"""SFTN (student branches) and SoTeacher (regularisers), task-agnostic."""
from contextlib import contextmanager

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT
from test_distiller_tasks import det_batch, encoder_decoder, retinanet, seg_batch

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

SFTN_CFG = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
SOT_CFG = f'{ROOT}/configs/soteacher/soteacher_small-resnet_fashion-mnist.py'
SOT_STEPS_CFG = f'{ROOT}/configs/soteacher/soteacher-steps_small-resnet_fashion-mnist.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def model_cfg(path, **overrides):
    cfg = Config.fromfile(path).model.to_dict()
    cfg.update(overrides)
    return cfg


def batch(n=4):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(n, 1, 28, 28, generator=g)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i % 10) for i in range(n)]
    return inputs, samples


def teacher_grads(model, inputs, samples):
    model.zero_grad()
    sum(v for k, v in model(inputs, samples, mode='loss').items()).backward()
    return {k: p.grad.clone() for k, p in model.teacher.named_parameters() if p.grad is not None}


def test_sftn_losses_and_transform_sizes():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(SFTN_CFG))
    assert set(model.students) == {'b0'}  # shared student
    assert model.transforms['b0_0'].layers[0].in_channels == 16   # teacher layer1
    assert model.transforms['b0_0'].layers[0].out_channels == 8   # student layer1
    assert model.transforms['b0_1'].layers[0].out_channels == 16  # student layer2
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'teacher.loss', 'student.b0.layer1.loss', 'student.b0.layer2.loss',
                           'distill.b0.layer1.loss_imitation', 'distill.b0.layer2.loss_imitation'}


def test_branch_gradients_reach_the_teacher():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(SFTN_CFG)).train()
    inputs, samples = batch()
    full = teacher_grads(model, inputs, samples)
    model.weights.update(task=0.0, imitation=0.0)
    alone = teacher_grads(model, inputs, samples)
    # stage-1 weights get gradient from the branches only through the transforms
    key = 'backbone.layer1.0.conv1.weight'
    assert not torch.allclose(full[key], alone[key])
    # with the branch terms zeroed the teacher gets exactly its own task gradient
    plain = build_model(model_cfg(SFTN_CFG)['teacher'])
    plain.load_state_dict(model.teacher.state_dict())
    plain.train()
    plain.zero_grad()
    plain(inputs, samples, mode='loss')['loss'].backward()
    torch.testing.assert_close(alone[key], dict(plain.named_parameters())[key].grad)


def test_unshared_students_are_copies():
    cfg = model_cfg(SFTN_CFG)
    cfg['branches'][0]['share_student'] = False
    model = MODELS.build(cfg)
    assert set(model.students) == {'b0_0', 'b0_1'}
    a, b = model.students['b0_0'], model.students['b0_1']
    assert a is not b and a.head.fc.weight.data_ptr() != b.head.fc.weight.data_ptr()


def test_heterogeneous_branches_train():
    shufflenet = dict(
        type='mmpretrain.ImageClassifier',
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
        backbone=dict(type='CIFARShuffleNetV2', in_channels=1, net_size=0.5),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='mmpretrain.LinearClsHead', num_classes=10, in_channels=1024,
                  loss=dict(type='mmpretrain.CrossEntropyLoss')))
    cfg = model_cfg(SFTN_CFG)
    # ShuffleNetV2's stage 1 is at 14x14 like the teacher's layer2, its stage 2 at 7x7
    cfg['branches'].append(dict(student=shufflenet,
                                attach=[('backbone.layer2', 'backbone.layer1'),
                                        ('backbone.layer3', 'backbone.layer2')]))
    model = MODELS.build(cfg).train()
    inputs, samples = batch()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05))
    before = model.students['b1'].head.fc.weight.clone()
    for _ in range(2):
        log = model.train_step(dict(inputs=list((inputs * 50 + 100).clamp(0, 255).byte()),
                                    data_samples=samples), wrapper)
    assert {'student.b1.layer1.loss', 'distill.b1.layer2.loss_imitation'} <= set(log)
    assert not torch.equal(before, model.students['b1'].head.fc.weight)


def test_soteacher_terms_on_a_plain_teacher():
    # stepped by hand: the model is at epoch 0 until it is told otherwise
    model = MODELS.build(model_cfg(SOT_CFG)).train()
    assert type(model).__name__ == 'SoTeacher' and not hasattr(model, 'branches')
    assert model.progress.epoch == 0
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'teacher.loss', 'teacher.loss_lipschitz', 'teacher.loss_consistency'}
    assert losses['teacher.loss_consistency'].item() == 0.0  # epoch 0
    assert losses['teacher.loss_lipschitz'].item() > 0
    assert model.regularizers['consistency'].ybar[:4].abs().sum() > 0


@contextmanager
def no_message_hub():
    """Any read of MMEngine's message hub (the runner's) fails while active."""
    from mmengine.logging import MessageHub

    def no_hub(cls, *args, **kwargs):
        raise AssertionError('the model read the message hub')

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MessageHub, 'get_current_instance', classmethod(no_hub))
        patch.setattr(MessageHub, 'get_instance', classmethod(no_hub))
        yield


def test_soteacher_is_built_and_stepped_without_a_runner_or_message_hub():
    """The model reads only the progress it is given, and set_progress reaches the
    regularisers."""
    from sfkd.models.regularizers import LipschitzRegularizer, weight_for_steps
    torch.manual_seed(0)
    with no_message_hub():
        model = MODELS.build(model_cfg(SOT_STEPS_CFG)).train()
    inputs, samples = batch()
    # steps='auto' cannot be defaulted: without the run's length the step says how to give it
    with no_message_hub(), pytest.raises(BadConfigError, match=r"^LipschitzRegularizer "
                                         r"steps='auto' has no max_iters .*call "
                                         r'model\.set_progress\('):
        model(inputs, samples, mode='loss')

    model.set_progress(0, max_epochs=3, max_iters=12)
    assert model.regularizers['lipschitz'].progress == (0, 3, 12)
    with no_message_hub():
        losses = model(inputs, samples, mode='loss')
    expected = LipschitzRegularizer(mode='l1', weight=weight_for_steps(1e-5, 12))(model.teacher)
    torch.testing.assert_close(losses['teacher.loss_lipschitz'], expected)
    assert losses['teacher.loss_consistency'].item() == 0.0  # epoch 0

    model.set_progress(1, max_epochs=3, max_iters=12)  # the consistency term is on
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05))  # logs to the hub
    before = model.teacher.head.fc.weight.clone()
    with no_message_hub():
        logs = model.train_step(dict(inputs=list((inputs * 50 + 100).clamp(0, 255).byte()),
                                     data_samples=samples), wrapper)
    assert logs['teacher.loss_consistency'].item() > 0
    assert not torch.equal(before, model.teacher.head.fc.weight)


def test_bad_attach_points():
    cfg = model_cfg(SFTN_CFG)
    cfg['branches'][0]['attach'] = [('backbone.layer9', 'backbone.layer1')]
    with pytest.raises(BadConfigError, match="teacher has no module 'backbone.layer9'"):
        MODELS.build(cfg)
    cfg['branches'][0]['attach'] = [('backbone.layer1', 'backbone.layer2')]  # 28x28 -> 14x14
    with pytest.raises(BadConfigError, match='attach at stages of the same resolution'):
        MODELS.build(cfg)
    cfg['branches'][0]['attach'] = [('backbone', 'backbone')]  # a tuple of stages
    with pytest.raises(BadConfigError, match=r'^branch b0\.backbone: the teacher module backbone '
                                             r'returns a tuple of 1, but an attach point must '
                                             r'return one tensor'):
        MODELS.build(cfg)
    cfg['branches'][0]['attach'] = [('backbone.layer2', 'backbone[0]')]
    with pytest.raises(BadConfigError, match=r"^branches\[0\]\.attach: 'backbone\[0\]' picks one "
                                             r"element of a module's output, which an attach "
                                             r'point cannot'):
        MODELS.build(cfg)


def test_detector_and_segmentor_branches(tmp_path):
    det = MODELS.build(dict(
        type='SFTN',
        data_preprocessor=dict(type='mmdet.DetDataPreprocessor', mean=[0.0] * 3,
                               std=[255.0] * 3, pad_size_divisor=32),
        teacher=retinanet(32),
        branches=[dict(student=retinanet(16), attach=[('backbone.layer2', 'backbone.layer2')])],
        output_taps=dict(teacher='bbox_head.retina_cls', student='bbox_head.retina_cls'),
        imitation_loss=dict(type='ChannelWiseDivergence', tau=1.0),
        input_shape=(3, 64, 64)))
    seg = MODELS.build(dict(
        type='SFTN',
        data_preprocessor=dict(type='mmseg.SegDataPreProcessor', mean=[0.0] * 3,
                               std=[255.0] * 3, size=(64, 64), seg_pad_val=255),
        teacher=encoder_decoder(16),
        branches=[dict(student=encoder_decoder(8), attach=[('backbone.layer2', 'backbone.layer2')])],
        output_taps=dict(teacher='decode_head.conv_seg', student='decode_head.conv_seg'),
        input_shape=(3, 64, 64)))
    for model, data, task_key in ((det, det_batch(), 'student.b0.layer2.loss_cls'),
                                  (seg, seg_batch(), 'student.b0.layer2.decode.loss_ce')):
        model.train()
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
        before = model.teacher.backbone.layer1[0].conv1.weight.clone()
        for _ in range(2):
            log = model.train_step(data, wrapper)
            assert task_key in log and 'distill.b0.layer2.loss_imitation' in log
            assert all(torch.isfinite(v) for v in log.values())
        assert not torch.equal(before, model.teacher.backbone.layer1[0].conv1.weight)

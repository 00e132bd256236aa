"""The Distiller on the Fashion-MNIST pair: routing, checks, freezing, export."""
import pytest
import torch
from mmengine.config import Config
from mmengine import DefaultScope
from sfkd_testing import ROOT

from sfkd.engine.submodel_export import export_submodel
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError, CheckpointError

pytestmark = pytest.mark.integration

KD_CFG = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS_CFG = f'{ROOT}/configs/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
TEACHER = 'sfkd::_base_/models/small_resnet_fmnist.py'
STUDENT = 'sfkd::_base_/models/tiny_resnet_fmnist.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A teacher checkpoint as MMEngine writes it (random weights suffice here)."""
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path=TEACHER))
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict(), 'meta': {'epoch': 3}}, path)
    return str(path)


def model_cfg(path, teacher_ckpt, **overrides):
    cfg = Config.fromfile(path).model.to_dict()
    cfg.update(teacher_ckpt=teacher_ckpt, **overrides)
    return cfg


def batch(n=4, seed=0):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 1, 28, 28, generator=g)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i % 10) for i in range(n)]
    return inputs, samples


def test_losses_are_prefixed_and_teacher_is_frozen(teacher_ckpt):
    model = MODELS.build(model_cfg(KD_CFG, teacher_ckpt))
    teacher = model.get_teacher()
    # the frozen teacher is outside the module tree: no optimiser, no checkpoint, no DDP
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert all(not p.requires_grad for p in teacher.parameters())
    assert {id(p) for p in model.parameters()}.isdisjoint({id(p) for p in teacher.parameters()})
    model.train()
    assert model.student.training and not teacher.training
    assert not any(m.training for m in teacher.modules())  # BatchNorm too

    bn = teacher.backbone.stem[1]
    running = bn.running_mean.clone()
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_kd'}
    sum(losses.values()).backward()
    assert model.student.head.fc.weight.grad is not None
    assert all(p.grad is None for p in teacher.parameters())
    torch.testing.assert_close(bn.running_mean, running)  # eval-mode BN did not update


def test_kd_value_matches_teacher_and_student_logits(teacher_ckpt):
    model = MODELS.build(model_cfg(KD_CFG, teacher_ckpt))
    model.eval()  # deterministic BN for the comparison
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    with torch.no_grad():
        s = model.student(inputs, mode='tensor')
        t = model.get_teacher()(inputs, mode='tensor')
    tau = 4.0
    p_t = torch.softmax(t / tau, 1)
    expected = (p_t * (p_t.log() - torch.log_softmax(s / tau, 1))).sum(1).mean() * tau ** 2
    torch.testing.assert_close(losses['distill.loss_kd'].detach(), 0.9 * expected)


def test_connector_is_sized_by_dry_run(teacher_ckpt):
    model = MODELS.build(model_cfg(FITNETS_CFG, teacher_ckpt))
    conv = model.connectors['hint'].layers[0]
    assert (conv.in_channels, conv.out_channels) == (32, 64)
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_hint', 'distill.loss_kd'}


def test_misspelled_path_lists_closest(teacher_ckpt):
    cfg = model_cfg(FITNETS_CFG, teacher_ckpt)
    cfg['student_taps'] = dict(feat='backbone.layr3', logits='head.fc')
    with pytest.raises(BadConfigError, match=r"student has no module 'backbone.layr3'.*backbone.layer3"):
        MODELS.build(cfg)


def test_shape_mismatch_names_shapes_and_suggests_connector(teacher_ckpt):
    cfg = model_cfg(FITNETS_CFG, teacher_ckpt)
    cfg['loss_inputs']['loss_hint']['student'] = 'student.feat'
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    msg = str(err.value)
    assert '(2, 32, 7, 7)' in msg and '(2, 64, 7, 7)' in msg and 'connector' in msg


def test_mapping_onto_unknown_argument(teacher_ckpt):
    cfg = model_cfg(KD_CFG, teacher_ckpt)
    cfg['loss_inputs']['loss_kd']['labels'] = 'data.gt_label'
    with pytest.raises(BadConfigError, match=r"maps onto \['labels'\].*\['student', 'teacher'\]"):
        MODELS.build(cfg)


def test_data_fields_route_into_losses(teacher_ckpt):
    cfg = model_cfg(KD_CFG, teacher_ckpt)
    cfg['distill_losses'] = dict(loss_dkd=dict(type='DKDLoss'))
    cfg['loss_inputs'] = dict(loss_dkd=dict(student='student.logits', teacher='teacher.logits',
                                            target='data.gt_label'))
    model = MODELS.build(cfg)
    inputs, samples = batch()
    loss = model(inputs, samples, mode='loss')['distill.loss_dkd']
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_wrong_architecture_teacher_checkpoint(tmp_path, teacher_ckpt):
    student = build_model(dict(cfg_path=STUDENT))
    wrong = tmp_path / 'student_as_teacher.pth'
    torch.save({'state_dict': student.state_dict()}, wrong)
    with pytest.raises(CheckpointError, match='shape mismatches'):
        MODELS.build(model_cfg(KD_CFG, str(wrong)))
    with pytest.raises(CheckpointError, match='not found'):
        MODELS.build(model_cfg(KD_CFG, str(tmp_path / 'missing.pth')))
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(open(teacher_ckpt, 'rb').read()[:100])
    with pytest.raises(CheckpointError, match='not a loadable checkpoint'):
        MODELS.build(model_cfg(KD_CFG, str(corrupt)))


def test_student_checkpoint_round_trip(tmp_path, teacher_ckpt):
    model = MODELS.build(model_cfg(KD_CFG, teacher_ckpt))
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(0.01)
    distill_ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, distill_ckpt)
    out = tmp_path / 'student.pth'
    assert export_submodel(str(distill_ckpt), str(out)) == len(model.student.state_dict())

    # the plain mmpretrain student loads it without any sfkd wrapper
    from mmengine.runner import load_checkpoint
    plain = build_model(dict(cfg_path=STUDENT))
    load_checkpoint(plain, str(out), map_location='cpu', strict=True)
    inputs, _ = batch()
    model.eval(), plain.eval()
    torch.testing.assert_close(plain(inputs, mode='tensor'), model.student(inputs, mode='tensor'))

    # ...and a pre-trained student goes into a new distiller with student_ckpt
    again = MODELS.build(model_cfg(KD_CFG, teacher_ckpt, student_ckpt=str(out)))
    for key, value in model.student.state_dict().items():
        torch.testing.assert_close(again.student.state_dict()[key], value)
    # the Runner's init_weights() keeps them (the mmpretrain head has its own init_cfg,
    # which would otherwise draw head.fc afresh)
    again.init_weights()
    for key, value in model.student.state_dict().items():
        assert torch.equal(again.student.state_dict()[key], value), key
    with pytest.raises(CheckpointError, match='no keys starting with'):
        export_submodel(str(out), str(tmp_path / 'again.pth'))


def test_a_custom_loss_plugs_in(teacher_ckpt, monkeypatch):
    from sfkd.models.losses import DistillLoss

    # registered for this test only: the class leaves the registry afterwards
    monkeypatch.setattr(MODELS, '_module_dict', dict(MODELS._module_dict))

    @MODELS.register_module(force=True)
    class L1FeatureLoss(DistillLoss):

        def compute(self, student, teacher):
            return (student - teacher.detach()).abs().mean()

    cfg = model_cfg(KD_CFG, teacher_ckpt)
    cfg['distill_losses'] = dict(loss_l1=dict(type='L1FeatureLoss', loss_weight=2.0))
    cfg['loss_inputs'] = dict(loss_l1=dict(student='student.logits', teacher='teacher.logits'))
    model = MODELS.build(cfg).eval()
    inputs, samples = batch()
    loss = model(inputs, samples, mode='loss')['distill.loss_l1']
    with torch.no_grad():
        expected = 2.0 * (model.student(inputs, mode='tensor')
                          - model.get_teacher()(inputs, mode='tensor')).abs().mean()
    torch.testing.assert_close(loss.detach(), expected)

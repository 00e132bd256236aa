"""Teachers and students straight from the OpenMMLab model zoos (``cfg_path='pkg::...'``),
built offline in their package's scope, with strict pretrained loads and one-line errors."""
import pytest
import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT, tiny_options

from sfkd.models.model_config import build_model, model_config
from sfkd.registry import DATASETS, MODELS
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.zoo

KD_CFG = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
CIFAR_R18 = 'mmpretrain::resnet/resnet18_8xb16_cifar10.py'
RETINA_R18 = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'
FCN_R18 = 'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'
# the zoo ResNet-18 at a quarter of its width: a student for the full one
NARROW = dict(backbone=dict(stem_channels=16, base_channels=16), head=dict(in_channels=128))


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


@pytest.fixture(scope='module')
def cifar_like_batch(fmnist_root):
    """4 real Fashion-MNIST images, padded to 32x32 and repeated to 3 channels."""
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root,
                                 split='train', download=False, indices=4,
                                 pipeline=[dict(type='mmpretrain.PackInputs')]))
    items = [ds[i] for i in range(len(ds))]
    inputs = [F.pad(it['inputs'], [2] * 4).repeat(3, 1, 1) for it in items]
    return dict(inputs=inputs, data_samples=[it['data_samples'] for it in items])


def saved(model_cfg: dict, path) -> str:
    torch.manual_seed(0)
    torch.save({'state_dict': build_model(dict(model_cfg)).state_dict()}, path)
    return str(path)


def train_steps(model, data, n: int = 2):
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = {k: v.clone() for k, v in model.student.state_dict().items()}
    logs = [model.train_step(data, wrapper) for _ in range(n)]
    for log in logs:
        assert all(torch.isfinite(v) for v in log.values()), log
    changed = any(not torch.equal(before[k], v) for k, v in model.student.state_dict().items()
                  if v.dtype.is_floating_point)
    return logs, changed


def test_zoo_config_builds_in_its_package_scope():
    cfg = model_config(dict(cfg_path=CIFAR_R18, head=dict(num_classes=7)))
    assert cfg['_scope_'] == 'mmpretrain' and cfg['type'] == 'ImageClassifier'
    assert cfg['backbone']['type'] == 'ResNet_CIFAR'  # the zoo's own, unscoped type
    assert cfg['head']['num_classes'] == 7 and cfg['head']['in_channels'] == 512  # override merged
    model = build_model(dict(cfg_path=CIFAR_R18, head=dict(num_classes=7)))
    assert type(model).__module__.startswith('mmpretrain.')
    assert model(torch.zeros(2, 3, 32, 32), mode='tensor').shape == (2, 7)


def test_mmpretrain_zoo_teacher_with_pretrained_file_distils_a_zoo_student(
        cifar_like_batch, tmp_path):
    weights = saved(dict(cfg_path=CIFAR_R18), tmp_path / 'r18.pth')
    model = MODELS.build(dict(
        type='Distiller',
        student=dict(cfg_path=CIFAR_R18, **NARROW),
        teacher=dict(cfg_path=CIFAR_R18, pretrained=weights),  # no teacher_ckpt needed
        input_shape=(3, 32, 32),
        student_taps=dict(logits='head.fc'), teacher_taps=dict(logits='head.fc'),
        distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
        loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits'))))
    teacher = model.get_teacher()
    expected = torch.load(weights, weights_only=True)['state_dict']
    assert all(torch.equal(teacher.state_dict()[k], v) for k, v in expected.items())
    assert teacher.pretrained_from == weights and teacher.is_init  # init_weights keeps them
    logs, changed = train_steps(model, cifar_like_batch)
    assert {'student.loss', 'distill.loss_kd'} <= set(logs[-1]) and changed


def test_pretrained_file_that_does_not_fit_is_refused(tmp_path):
    weights = saved(dict(cfg_path=CIFAR_R18, **NARROW), tmp_path / 'narrow.pth')
    with pytest.raises(ValueError, match=r'does not fit the model.teacher model: .*shape '
                                         r'mismatches'):
        build_model(dict(cfg_path=CIFAR_R18, pretrained=weights), 'model.teacher')


def test_mmdet_zoo_retinanet_distils_on_fpn_features(tmp_path):
    from dense_batches import det_batch
    teacher = dict(cfg_path=RETINA_R18, init_cfg=None, bbox_head=dict(num_classes=3))
    model = MODELS.build(dict(
        type='Distiller',
        student=dict(teacher, neck=dict(out_channels=64),
                     bbox_head=dict(num_classes=3, in_channels=64, feat_channels=64)),
        teacher=teacher, teacher_ckpt=saved(teacher, tmp_path / 'retina.pth'),
        input_shape=(3, 64, 64),
        student_taps=dict(p3=dict(type='ModuleOutputTap', source='neck', index=0)),
        teacher_taps=dict(p3=dict(type='ModuleOutputTap', source='neck', index=0)),
        connectors=dict(adapt=dict(type='ConvBNConnector')),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0)),
        loss_inputs=dict(loss_cwd=dict(student=('student.p3', 'adapt'), teacher='teacher.p3'))))
    assert type(model.student).__name__ == 'RetinaNet'
    assert model.connectors['adapt'].layers[0].out_channels == 256  # the zoo FPN's width
    logs, changed = train_steps(model, det_batch())
    assert {'student.loss_cls', 'student.loss_bbox', 'distill.loss_cwd'} <= set(logs[-1])
    assert changed


def test_mmseg_zoo_segmentor_distils_on_logits(tmp_path):
    from dense_batches import seg_batch
    heads = dict(decode_head=dict(num_classes=4), auxiliary_head=dict(num_classes=4),
                 data_preprocessor=dict(size=(64, 64)))
    teacher = dict(cfg_path=FCN_R18, init_cfg=None, **heads)
    model = MODELS.build(dict(
        type='Distiller',
        student=dict(teacher, backbone=dict(stem_channels=16, base_channels=16),
                     decode_head=dict(num_classes=4, in_channels=128),
                     auxiliary_head=dict(num_classes=4, in_channels=64)),
        teacher=teacher, teacher_ckpt=saved(teacher, tmp_path / 'fcn.pth'),
        input_shape=(3, 64, 64),
        student_taps=dict(logits='decode_head.conv_seg'),
        teacher_taps=dict(logits='decode_head.conv_seg'),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0)),
        loss_inputs=dict(loss_cwd=dict(student='student.logits', teacher='teacher.logits'))))
    assert type(model.student).__name__ == 'EncoderDecoder'
    logs, changed = train_steps(model, seg_batch())
    assert {'student.decode.loss_ce', 'distill.loss_cwd'} <= set(logs[-1]) and changed


def test_sftn_branch_student_from_a_zoo_config(cifar_like_batch):
    model = MODELS.build(dict(
        type='SFTN',
        teacher=dict(cfg_path=CIFAR_R18),
        branches=[dict(student=dict(cfg_path=CIFAR_R18, **NARROW),
                       attach=[('backbone.layer2', 'backbone.layer2')])],
        output_taps=dict(teacher='head.fc', student='head.fc'),
        input_shape=(3, 32, 32)))
    (student, ) = model.students.values()
    assert type(student).__module__.startswith('mmpretrain.')
    assert student.backbone.layer2[0].conv1.in_channels == 16  # the override reached it
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log = model.train_step(cifar_like_batch, wrapper)
    assert 'teacher.loss' in log and any(k.startswith('distill.') for k in log)
    assert all(torch.isfinite(v) for v in log.values())


@pytest.mark.parametrize('teacher_options, message', [
    ([f'model.teacher.cfg_path={CIFAR_R18}', 'model.teacher.pretrained=True'],
     f"sfkd: error: model.teacher (cfg_path '{CIFAR_R18}') pretrained: https://download."
     'openmmlab.com/mmclassification/v0/resnet/resnet18_b16x8_cifar10_20210528-bd6371c8.pth '
     "cannot be downloaded (<urlopen error [Errno -2] Name or service not known>); download it "
     "where there is a network and pass pretrained='path/to/file.pth', or set pretrained=False "
     '(or put the file at '),
    (['model.teacher.cfg_path=mmfoo::resnet/resnet18.py'],
     "sfkd: error: cfg_path 'mmfoo::resnet/resnet18.py': unknown package 'mmfoo'; the prefixes "
     "MMEngine knows are ['mmaction', "),
])
def test_zoo_bad_inputs_fail_at_build_time_with_one_line(teacher_options, message, tmp_path,
                                                         fmnist_root):
    work = tmp_path / 'work'
    with pytest.raises(SystemExit) as err:
        train_tool.run([KD_CFG, '--work-dir', str(work), '--cfg-options',
                        *tiny_options(train=32, test=32, batch=32), *teacher_options])
    text = str(err.value.code)
    assert text.startswith(message) and '\n' not in text, text
    assert not work.exists()  # refused before the Runner, so no work dir was written


def test_documented_zoo_config_builds_from_a_project_dir(tmp_path, monkeypatch):
    """The zoo-to-zoo config of docs/en/user_guides/zoo_models.md, saved in a project
    outside the repository, loads through sfkd's and mmpretrain's prefixes and builds
    (offline: a local teacher file)."""
    from doc_blocks import docs_blocks
    from mmengine.config import Config

    from sfkd.utils.config_package import register_config_package
    (block, ) = [b.text for b in docs_blocks() if b.text.startswith('# my_project/zoo_kd.py')]
    project = tmp_path / 'my_project'
    project.mkdir()
    (project / 'zoo_kd.py').write_text(block)
    monkeypatch.chdir(project)
    register_config_package()
    cfg = Config.fromfile('zoo_kd.py')
    assert cfg.model.teacher.pretrained is True and cfg.train_cfg.max_epochs == 240
    teacher = dict(cfg.model.teacher.to_dict(), pretrained=False)
    cfg.model.teacher.pretrained = saved(teacher, tmp_path / 'r50.pth')
    model = MODELS.build(cfg.model.to_dict())
    assert model.get_teacher().head.fc.out_features == 100
    assert model.student.head.fc.out_features == 100
    assert type(model.student.backbone).__name__ == 'ResNet_CIFAR'

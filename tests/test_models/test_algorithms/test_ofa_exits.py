"""OFA-KD on the Fashion-MNIST pair: exit branches route student stages into logits, each
exit's OFA loss is that of its own logits, and the run trains on real images without the
exits reaching the exported student."""
import glob
import json

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, tiny_options

from sfkd.models.losses import OFALoss
from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.integration

OFA_CFG = f'{ROOT}/configs/ofa/ofa_small-resnet_tiny-resnet_fashion-mnist.py'
EXITS = ('ofa_exit1', 'ofa_exit2', 'ofa_exit3')


def test_each_exit_loss_is_the_ofa_loss_of_its_stage_logits(teacher_ckpt):
    from mmpretrain.structures import DataSample
    with DefaultScope.overwrite_default_scope('sfkd'):
        cfg = Config.fromfile(OFA_CFG).model.to_dict()
        model = MODELS.build(dict(cfg, teacher_ckpt=teacher_ckpt))
    # sized by the dry run: the stage's channels in, the teacher's 10 classes out
    assert [model.connectors[n].fc.out_features for n in EXITS] == [10, 10, 10]
    assert model.connectors['ofa_exit1'].features[0][0].in_channels == 8
    model.eval()  # deterministic BatchNorm for the comparison
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(4, 1, 28, 28, generator=g)
    samples = [DataSample().set_gt_label(i) for i in (3, 1, 4, 1)]
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_ofa', *(f'distill.loss_{n}'
                                                                  for n in EXITS)}
    backbone = model.student.backbone
    with torch.no_grad():
        x = backbone.stem(inputs)  # the loss mode takes inputs already preprocessed
        stages = []
        for layer in (backbone.layer1, backbone.layer2, backbone.layer3):
            x = layer(x)
            stages.append(x)
        t = model.get_teacher()(inputs, mode='tensor')
    target = torch.tensor([3, 1, 4, 1])
    for name, stage in zip(EXITS, stages):
        expected = OFALoss(eps=1.5)(model.connectors[name](stage), t, target=target)
        torch.testing.assert_close(losses[f'distill.loss_{name}'].detach(), expected)


def test_trains_two_steps_on_real_images_and_exports_the_student_alone(tmp_path, fmnist_root,
                                                                      teacher_ckpt):
    work = tmp_path / 'work'
    runner = train_tool.run([OFA_CFG, '--work-dir', str(work), '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32),
                             f'model.teacher_ckpt={teacher_ckpt}'])
    assert runner.iter == 2
    (log, ) = glob.glob(f'{work}/*/vis_data/scalars.json')
    steps = [json.loads(line) for line in open(log)]
    train = [s for s in steps if 'distill.loss_ofa' in s]
    assert len(train) == 2
    assert all(f'distill.loss_{n}' in s for s in train for n in EXITS)
    # the exits trained with the student, in the distiller's checkpoint, not in the export
    assert any(k.startswith('connectors.ofa_exit1.') for k in runner.model.state_dict())
    exported = torch.load(work / 'student_final.pth', map_location='cpu')['state_dict']
    assert exported and not any('exit' in k or k.startswith('connectors') for k in exported)
    with DefaultScope.overwrite_default_scope('sfkd'):
        student = build_model(dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py'))
    student.load_state_dict(exported)  # the plain student, strictly


@pytest.mark.parametrize('change, message', [
    (dict(connectors=dict(ofa_exit1=dict(downsamples=-1))),
     r'^connectors\.ofa_exit1: downsamples must be >= 0 \(the stride-2 blocks of the exit '
     r'branch\), got -1$'),
    (dict(teacher_taps=dict(feat='backbone.layer3'),
          loss_inputs=dict(loss_ofa_exit3=dict(teacher='teacher.feat'))),
     r'^connectors\.ofa_exit3: ExitBranchConnector makes class logits \(N, num_classes\), but '
     r'the loss compares them with a teacher input of shape \(2, 64, 7, 7\): route the '
     r"teacher's logits"),
], ids=['negative-downsamples', 'teacher-feature-map'])
def test_a_bad_exit_is_refused_naming_its_connector(teacher_ckpt, change, message):
    from sfkd.utils.errors import BadConfigError
    with DefaultScope.overwrite_default_scope('sfkd'):
        cfg = Config.fromfile(OFA_CFG)
        cfg.merge_from_dict(dict(model=dict(change, teacher_ckpt=teacher_ckpt)))
        with pytest.raises(BadConfigError, match=message):
            MODELS.build(cfg.model.to_dict())

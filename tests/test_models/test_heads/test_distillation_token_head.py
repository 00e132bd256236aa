"""The distilled DeiT that sfkd trains: the class token learns from the labels, the
distillation token from the teacher's decisions (DeiT's hard-label distillation), with
none of mmpretrain's refusal, and the prediction averages the two heads."""
import glob
import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from mmengine import DefaultScope
from mmengine.config import Config
from mmpretrain.models.heads import DeiTClsHead
from mmpretrain.structures import DataSample
from sfkd_testing import ROOT, tiny_options

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.tools import train as train_tool
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

DEIT = f'{ROOT}/configs/deit/deit_small-resnet_deit-micro_fashion-mnist.py'
STUDENT = 'sfkd::_base_/models/deit_micro_fmnist.py'
REFUSAL = 'MMPretrain cannot train the distilled version DeiT'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def batch(n=4):
    inputs = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    return inputs, [DataSample().set_gt_label(i % 10) for i in range(n)]


def tokens(model, inputs):
    """The class and distillation tokens of the last layer, as the head gets them."""
    return model.extract_feat(inputs)[-1]


def test_mmpretrains_head_refuses_training_and_sfkds_does_not():
    torch.manual_seed(0)
    student = build_model(dict(cfg_path=STUDENT))
    mmpretrain_head = DeiTClsHead(num_classes=10, in_channels=64,
                                  loss=dict(type='mmpretrain.CrossEntropyLoss'))
    inputs, samples = batch()
    feats = student.extract_feat(inputs)
    mmpretrain_head.train()
    with pytest.warns(UserWarning, match=REFUSAL):
        mmpretrain_head.loss(feats, samples)
    student.train()
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # any warning fails
        losses = student(inputs, samples, mode='loss')
    # the class token's head alone, on the labels
    cls_token, _ = feats[-1]
    expected = F.cross_entropy(student.head.layers.head(cls_token), torch.arange(4))
    torch.testing.assert_close(losses['loss'], expected)


def test_each_token_learns_from_its_own_target(teacher_ckpt):
    cfg = Config.fromfile(DEIT)
    model = MODELS.build(dict(cfg.model.to_dict(), teacher_ckpt=teacher_ckpt))
    head, backbone = model.student.head.layers, model.student.backbone
    model.train()
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_deit'}
    # the routed distillation-token logits are the head_dist output on the dist token
    _, dist_token = tokens(model.student, inputs)
    dist_logits = model.student_taps.values()['student.dist_logits']
    torch.testing.assert_close(dist_logits, head.head_dist(dist_token))
    teacher_logits = model.teacher_taps.values()['teacher.logits']
    torch.testing.assert_close(
        losses['distill.loss_deit'],
        0.5 * F.cross_entropy(dist_logits, teacher_logits.argmax(dim=1)))

    # the labels train the class token's head only
    losses['student.loss'].backward(retain_graph=True)
    assert head.head.weight.grad.abs().sum() > 0 and head.head_dist.weight.grad is None
    model.zero_grad()
    losses['distill.loss_deit'].backward()  # the teacher trains the distillation token's
    assert head.head_dist.weight.grad.abs().sum() > 0
    assert head.head.weight.grad is None or head.head.weight.grad.abs().sum() == 0
    assert backbone.dist_token.grad.abs().sum() > 0


def test_the_fashion_mnist_config_trains_and_predicts_as_deit(tmp_path, fmnist_root,
                                                              teacher_ckpt):
    work = tmp_path / 'work'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        runner = train_tool.run([DEIT, '--work-dir', str(work), '--cfg-options',
                                 *tiny_options(train=64, test=32, batch=32),
                                 f'model.teacher_ckpt={teacher_ckpt}'])
    assert not [w for w in caught if REFUSAL in str(w.message)]
    assert runner.iter == 2
    (log, ) = glob.glob(f'{work}/*/vis_data/scalars.json')
    steps = [json.loads(line) for line in open(log)]
    assert len([s for s in steps if 'distill.loss_deit' in s and 'student.loss' in s]) == 2
    student = runner.model.student.eval()
    assert student.head.layers.head_dist.weight.abs().sum() > 0  # trained from its zero init

    images = [runner.val_dataloader.dataset[i]['inputs'] for i in range(8)]
    inputs = student.data_preprocessor(dict(inputs=images), False)['inputs']
    with torch.no_grad():
        preds = student(inputs, mode='predict')
        cls_token, dist_token = tokens(student, inputs)
        logits = (student.head.layers.head(cls_token)
                  + student.head.layers.head_dist(dist_token)) / 2
    scores = torch.stack([p.pred_score for p in preds])
    torch.testing.assert_close(scores, logits.softmax(dim=1))
    assert [p.pred_label.item() for p in preds] == logits.argmax(dim=1).tolist()


def test_the_deit_alone_trains_its_class_token_only(tmp_path, fmnist_root):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        runner = train_tool.run([f'{ROOT}/configs/baseline/deit-micro_3e_fashion-mnist.py',
                                 '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                                 *tiny_options(train=64, test=32, batch=32)])
    assert not [w for w in caught if REFUSAL in str(w.message)]
    assert runner.iter == 2
    head = runner.model.head.layers
    assert head.head.weight.abs().sum() > 0
    assert head.head_dist.weight.abs().sum() == 0 and head.head_dist.bias.abs().sum() == 0


def test_a_backbone_without_a_distillation_token_is_refused():
    student = build_model(dict(cfg_path=STUDENT,
                               backbone=dict(type='mmpretrain.VisionTransformer')))
    with pytest.raises(BadConfigError) as err:
        student(torch.zeros(2, 1, 28, 28), mode='tensor')
    assert str(err.value) == (
        "DistillationTokenHead needs the class and distillation tokens of a "
        "DistilledVisionTransformer (out_type='cls_token'), but the backbone's last output "
        "is a tensor of shape (2, 64); use "
        "backbone=dict(type='mmpretrain.DistilledVisionTransformer', ...)")

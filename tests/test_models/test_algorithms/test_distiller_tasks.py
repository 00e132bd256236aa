"""The Distiller assumes no task: a tiny mmdet detector and a tiny mmseg segmentor."""
import pytest
import torch
from mmengine import DefaultScope
from dense_batches import det_batch, seg_batch
from mmengine.optim import OptimWrapper

from sfkd.registry import MODELS

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def retinanet(fpn_channels: int) -> dict:
    return dict(
        type='mmdet.RetinaNet',
        backbone=dict(type='mmdet.ResNet', depth=18, num_stages=4, out_indices=(1, 2, 3),
                      norm_cfg=dict(type='BN'), norm_eval=False, style='pytorch'),
        neck=dict(type='mmdet.FPN', in_channels=[128, 256, 512], out_channels=fpn_channels,
                  start_level=0, add_extra_convs='on_input', num_outs=3),
        bbox_head=dict(
            type='mmdet.RetinaHead', num_classes=3, in_channels=fpn_channels, stacked_convs=1,
            feat_channels=fpn_channels,
            anchor_generator=dict(type='mmdet.AnchorGenerator', octave_base_scale=4,
                                  scales_per_octave=1, ratios=[1.0], strides=[8, 16, 32]),
            bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                            target_stds=[1.0] * 4),
            loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                          loss_weight=1.0),
            loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0)),
        train_cfg=dict(
            assigner=dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                          min_pos_iou=0, ignore_iof_thr=-1,
                          iou_calculator=dict(type='mmdet.BboxOverlaps2D')),
            sampler=dict(type='mmdet.PseudoSampler'), allowed_border=-1, pos_weight=-1,
            debug=False),
        test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                      nms=dict(type='nms', iou_threshold=0.5), max_per_img=10))


def encoder_decoder(base: int) -> dict:
    return dict(
        type='mmseg.EncoderDecoder',
        backbone=dict(type='mmseg.ResNetV1c', depth=18, stem_channels=base, base_channels=base,
                      num_stages=4, out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN'),
                      style='pytorch'),
        decode_head=dict(type='mmseg.FCNHead', in_channels=base * 8, in_index=3, channels=16,
                         num_convs=1, concat_input=False, num_classes=4,
                         norm_cfg=dict(type='BN'), align_corners=False,
                         loss_decode=dict(type='mmseg.CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def save_teacher(cfg: dict, path) -> str:
    torch.manual_seed(0)
    torch.save({'state_dict': MODELS.build(cfg).state_dict()}, path)
    return str(path)


def train_two_iters(model, data):
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = {k: v.clone() for k, v in model.student.state_dict().items()}
    logs = [model.train_step(data, wrapper) for _ in range(2)]
    changed = any(not torch.equal(before[k], v) for k, v in model.student.state_dict().items()
                  if v.dtype.is_floating_point)
    return logs, changed


def test_detector_cwd_on_fpn_features(tmp_path):
    teacher = retinanet(32)
    model = MODELS.build(dict(
        type='Distiller',
        data_preprocessor=dict(type='mmdet.DetDataPreprocessor', mean=[0.0] * 3,
                               std=[255.0] * 3, pad_size_divisor=32),
        student=retinanet(16), teacher=teacher,
        teacher_ckpt=save_teacher(teacher, tmp_path / 'det_teacher.pth'),
        input_shape=(3, 64, 64),
        student_taps=dict(p3=dict(type='ModuleOutputTap', source='neck', index=0)),
        teacher_taps=dict(p3=dict(type='ModuleOutputTap', source='neck', index=0)),
        connectors=dict(adapt=dict(type='ConvBNConnector')),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0,
                                          loss_weight=3.0)),
        loss_inputs=dict(loss_cwd=dict(student=('student.p3', 'adapt'), teacher='teacher.p3'))))
    assert model.connectors['adapt'].layers[0].out_channels == 32
    model.train()
    logs, changed = train_two_iters(model, det_batch())
    for log in logs:
        assert {'student.loss_cls', 'student.loss_bbox', 'distill.loss_cwd'} <= set(log)
        assert all(torch.isfinite(v) for v in log.values())
    assert changed


def test_segmentor_cwd_on_logit_maps(tmp_path):
    teacher = encoder_decoder(16)
    model = MODELS.build(dict(
        type='Distiller',
        data_preprocessor=dict(type='mmseg.SegDataPreProcessor', mean=[0.0] * 3,
                               std=[255.0] * 3, size=(64, 64), seg_pad_val=255),
        student=encoder_decoder(8), teacher=teacher,
        teacher_ckpt=save_teacher(teacher, tmp_path / 'seg_teacher.pth'),
        input_shape=(3, 64, 64),
        student_taps=dict(logits='decode_head.conv_seg'),
        teacher_taps=dict(logits='decode_head.conv_seg'),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0,
                                          loss_weight=3.0)),
        loss_inputs=dict(loss_cwd=dict(student='student.logits', teacher='teacher.logits'))))
    model.train()
    logs, changed = train_two_iters(model, seg_batch())
    for log in logs:
        assert {'student.decode.loss_ce', 'distill.loss_cwd'} <= set(log)
        assert log['distill.loss_cwd'] > 0
    assert changed

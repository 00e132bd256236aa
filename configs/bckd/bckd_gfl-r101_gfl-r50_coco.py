# BCKD on COCO (GPU): mmdet's GFL R101 (its published ms-2x weights, the teacher
# of the authors' recipe) -> GFL R50 trained from ImageNet weights on the 1x
# schedule. Binary classification distillation of the class maps (weight 1,
# beta 1) and 1 - GIoU of the decoded boxes weighted by the largest score
# difference (weight 4), on every prediction of the 5 FPN levels, as the
# authors' bckd_r50_gflv1_r101_fpn_coco_1x.py (bbox_head.forward returns
# (cls_scores, bbox_preds); the box outputs are GFL's distributions, decoded
# with reg_max 16). The authors divide by the student's positive anchors; sfkd
# by the teacher's soft count of foreground predictions (BCKDClsLoss).
# Published reference (github.com/TinyTigerPan/BCKD, README "Result"): student
# 40.1 -> 43.2 box AP; not run here.
# Total batch 16 = 8 GPUs x 2 images, the batch the 1x learning rate is for;
# on fewer GPUs add --auto-scale-lr (auto_scale_lr below), e.g.
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::bckd/bckd_gfl-r101_gfl-r50_coco.py --launcher pytorch
# Teacher: mmdet's published gfl_r101_fpn_ms-2x_coco weights (pretrained=True);
# offline, pass --cfg-options model.teacher.pretrained=PATH/TO/gfl_r101.pth
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
head = dict(type='MethodOutputTap', source='bbox_head.forward')
# GFL's anchors (one per location), as in mmdet's gfl_r50_fpn_1x_coco.py
anchors = dict(type='mmdet.AnchorGenerator', ratios=[1.0], octave_base_scale=8,
               scales_per_octave=1, strides=[8, 16, 32, 64, 128])
model = dict(
    type='Distiller',
    student=dict(cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py'),
    teacher=dict(cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', pretrained=True),
    input_shape=(3, 256, 256),
    student_taps=dict(cls=dict(head, index=0), box=dict(head, index=1)),
    teacher_taps=dict(cls=dict(head, index=0), box=dict(head, index=1)),
    distill_losses=dict(
        loss_bckd_cls=dict(type='BCKDClsLoss', beta=1.0, loss_weight=1.0),
        loss_bckd_loc=dict(type='BCKDLocLoss', loss_weight=4.0,
                           decoder=dict(prior_generator=anchors, reg_max=16))),
    loss_inputs=dict(
        loss_bckd_cls=dict(student='student.cls', teacher='teacher.cls'),
        loss_bckd_loc=dict(student='student.box', teacher='teacher.box',
                           student_scores='student.cls', teacher_scores='teacher.cls')),
)
# the mmdet base's data settings, built in mmdet's scope; mmdet's CocoDataset with the
# ids of the annotation file checked (sfkd.CheckedCocoDataset)
train_dataloader = dict(batch_size=2, batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
                        dataset=dict(type='sfkd.CheckedCocoDataset', _scope_='mmdet'))
val_dataloader = dict(dataset=dict(type='sfkd.CheckedCocoDataset', _scope_='mmdet'))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmdet.CocoMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='DistillValLoop')
# mmdet's 1x epochs in sfkd's loop (resumes mid-epoch, fits the schedule to max_epochs)
train_cfg = dict(type='sfkd.ResumableEpochBasedTrainLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
auto_scale_lr = dict(enable=False, base_batch_size=16)

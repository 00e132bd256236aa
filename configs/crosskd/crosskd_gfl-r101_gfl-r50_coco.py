# CrossKD on COCO (GPU): mmdet's GFL R101 (its published ms-2x weights) -> GFL
# R50 trained from ImageNet weights on the 1x schedule. The student head's
# features after its 3rd stacked conv (per branch and FPN level; the cross
# position the paper finds best on GFL) run through the frozen teacher's 4th
# conv and predictor (and, for boxes, the level's Scale); the cross-head
# predictions are distilled against the teacher's on every prediction: class
# scores by the quality focal loss with the teacher's scores as soft labels
# (BCKDClsLoss, beta 2), boxes by 1 - GIoU of the decoded distributions
# (BCKDLocLoss, weighting 'none'; the paper distils GFL's distributions by KL
# divergence instead), both averaged over the predictions. Loss weights 100 and
# 1 as the canvas config's: the paper's were not in the sources read; not tuned.
# Published reference (arXiv:2306.11369 abstract): GFL R50 1x 40.2 -> 43.7 box
# AP with CrossKD; not run here.
# Total batch 16 = 8 GPUs x 2 images, the batch the 1x learning rate is for;
# on fewer GPUs add --auto-scale-lr (auto_scale_lr below), e.g.
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::crosskd/crosskd_gfl-r101_gfl-r50_coco.py --launcher pytorch
# Teacher: mmdet's published gfl_r101_fpn_ms-2x_coco weights (pretrained=True);
# offline, pass --cfg-options model.teacher.pretrained=PATH/TO/gfl_r101.pth
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
levels = (0, 1, 2, 3, 4)  # FPN outputs at strides 8 to 128
head = dict(type='MethodOutputTap', source='bbox_head.forward')
# GFL's anchors (one per location), as in mmdet's gfl_r50_fpn_1x_coco.py
anchors = dict(type='mmdet.AnchorGenerator', ratios=[1.0], octave_base_scale=8,
               scales_per_octave=1, strides=[8, 16, 32, 64, 128])
model = dict(
    type='Distiller',
    student=dict(cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py'),
    teacher=dict(cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', pretrained=True),
    input_shape=(3, 256, 256),
    # the head's layers run once per level: call i is level i
    student_taps=dict(
        **{f'cls_feat{i}': dict(type='ModuleOutputTap', source='bbox_head.cls_convs.2', call=i)
           for i in levels},
        **{f'reg_feat{i}': dict(type='ModuleOutputTap', source='bbox_head.reg_convs.2', call=i)
           for i in levels}),
    teacher_taps=dict(cls=dict(head, index=0), box=dict(head, index=1)),
    connectors=dict(
        cross_cls=dict(type='MultiLevelTeacherPathConnector',
                       paths=['bbox_head.cls_convs.3', 'bbox_head.gfl_cls']),
        cross_reg=dict(type='MultiLevelTeacherPathConnector',
                       paths=['bbox_head.reg_convs.3', 'bbox_head.gfl_reg',
                              'bbox_head.scales.{level}'])),
    distill_losses=dict(
        loss_crosskd_cls=dict(type='BCKDClsLoss', beta=2.0, normalize='predictions',
                              loss_weight=100.0),
        loss_crosskd_reg=dict(type='BCKDLocLoss', weighting='none', normalize='predictions',
                              loss_weight=1.0,
                              decoder=dict(prior_generator=anchors, reg_max=16))),
    loss_inputs=dict(
        loss_crosskd_cls=dict(student=([f'student.cls_feat{i}' for i in levels], 'cross_cls'),
                              teacher='teacher.cls'),
        loss_crosskd_reg=dict(student=([f'student.reg_feat{i}' for i in levels], 'cross_reg'),
                              teacher='teacher.box')),
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

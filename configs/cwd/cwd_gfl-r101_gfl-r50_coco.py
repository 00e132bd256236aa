# CWD on COCO (GPU): mmdet's GFL R101 (its published ms-2x weights) -> GFL R50
# trained from scratch on the 1x schedule. Channel-wise distillation (tau 1,
# weight 5 per level) on the classification score maps of all 5 FPN levels
# (bbox_head.forward returns (cls_scores, bbox_preds)). Published reference
# (CWD paper / MMRazor): student 40.2 -> 41.9 box AP; not run here.
# Total batch 16 = 8 GPUs x 2 images, the batch the 1x learning rate is for;
# on fewer GPUs add --auto-scale-lr (auto_scale_lr below), e.g.
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::cwd/cwd_gfl-r101_gfl-r50_coco.py --launcher pytorch
# Teacher: mmdet's published gfl_r101_fpn_ms-2x_coco weights (pretrained=True);
# offline, pass --cfg-options model.teacher.pretrained=PATH/TO/gfl_r101.pth
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
score_maps = dict(type='MethodOutputTap', source='bbox_head.forward', index=0)
model = dict(
    type='Distiller',
    student=dict(cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py'),
    teacher=dict(cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', pretrained=True),
    input_shape=(3, 256, 256),
    student_taps=dict(cls=score_maps),
    teacher_taps=dict(cls=score_maps),
    distill_losses=dict(loss_cwd=dict(
        type='PerLevelLoss', loss=dict(type='ChannelWiseDivergence', tau=1.0,
                                         loss_weight=5.0))),
    loss_inputs=dict(loss_cwd=dict(student='student.cls', teacher='teacher.cls')),
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

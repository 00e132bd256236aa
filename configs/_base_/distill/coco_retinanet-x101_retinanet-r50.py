# COCO pair (GPU) for the RetinaNet feature-KD recipes (PKD, MGD): mmdet's RetinaNet
# X101-64x4d with its published 1x weights -> RetinaNet R50 trained from scratch on
# the 2x schedule, each of the 4 FPN levels P3-P6 tapped as p0..p3 (both FPNs are
# 256 wide). Method configs add one loss per level. Total batch 16 = 8 GPUs x 2.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    '../default_runtime.py',
]
levels = (0, 1, 2, 3)  # P3-P6 of the 5 FPN outputs
model = dict(
    type='Distiller',
    student=dict(cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py'),
    teacher=dict(cfg_path='mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py',
                 pretrained=True),
    input_shape=(3, 256, 256),
    student_taps={f'p{i}': dict(type='ModuleOutputTap', source='neck', index=i) for i in levels},
    teacher_taps={f'p{i}': dict(type='ModuleOutputTap', source='neck', index=i) for i in levels},
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
# mmdet's 2x epochs in sfkd's loop (resumes mid-epoch, fits the schedule to max_epochs)
train_cfg = dict(type='sfkd.ResumableEpochBasedTrainLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
auto_scale_lr = dict(enable=False, base_batch_size=16)

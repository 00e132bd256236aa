# MGD on COCO (GPU): mmdet's RetinaNet X101-64x4d (its published 1x weights) ->
# RetinaNet R50 trained from scratch on the 2x schedule. Masked generative
# distillation on each of the 4 FPN levels P3-P6, alpha 2e-5, lambda 0.65 (the
# MGD paper's detection setting; both FPNs are 256 wide). Published reference
# (MGD paper, ECCV 2022): student 37.4 -> 41.0 box AP; not run here.
# Total batch 16 = 8 GPUs x 2 images, the batch the 2x learning rate is for;
# on fewer GPUs add --auto-scale-lr (auto_scale_lr below), e.g.
#   bash tools/dist_train.sh configs/mgd/mgd_retinanet-x101_retinanet-r50_coco.py 8
# Teacher: mmdet's published retinanet_x101-64x4d_fpn_1x_coco weights
# (pretrained=True); offline, pass --cfg-options model.teacher.pretrained=PATH
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    '../_base_/default_runtime.py',
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
    distill_losses={f'loss_mgd_p{i}': dict(type='MGDLoss', channels=256, lambda_mgd=0.65,
                                           loss_weight=2e-5) for i in levels},
    loss_inputs={f'loss_mgd_p{i}': dict(student=f'student.p{i}', teacher=f'teacher.p{i}')
                 for i in levels},
)
# the mmdet base's data settings, built in mmdet's scope
train_dataloader = dict(batch_size=2, batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
                        dataset=dict(_scope_='mmdet'))
val_dataloader = dict(dataset=dict(_scope_='mmdet'))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmdet.CocoMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
auto_scale_lr = dict(enable=False, base_batch_size=16)

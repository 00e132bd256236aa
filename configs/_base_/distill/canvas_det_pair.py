# The canvas detection pair: RetinaNet R34 (half width) teacher -> RetinaNet
# R18 (quarter width) student on the Fashion-MNIST canvases, with the
# baseline's data, schedule and runtime, and one tap per FPN level (p0-p2, the
# neck outputs at strides 8, 16, 32) with a 1x1 conv + BN connector per level
# (32 -> 64 channels, sized by the build-time dry run). Method configs add one
# loss per level.
# The teacher is the standard baseline's; make it first with
#   sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# Any other teacher of this architecture (e.g. an SFTN or SoTeacher run's
# teacher_final.pth) goes in with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/fashion_canvas_det.py',
    '../schedules/canvas_sgd_12e.py',
    '../default_runtime.py',
]
levels = (0, 1, 2)  # FPN outputs at strides 8, 16, 32
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r18w16.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r34w32.py'),
    teacher_ckpt='work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py',
    input_shape=(3, 64, 64),
    student_taps={f'p{i}': dict(type='ModuleOutputTap', source='neck', index=i) for i in levels},
    teacher_taps={f'p{i}': dict(type='ModuleOutputTap', source='neck', index=i) for i in levels},
    connectors={f'adapt_p{i}': dict(type='ConvBNConnector') for i in levels},
)
# validate the student, and once the (frozen) teacher, as teacher.coco/bbox_mAP
val_cfg = dict(type='DistillValLoop')
# student_final.pth, loadable by configs/baseline/retinanet-r18w16_fashion-det.py
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

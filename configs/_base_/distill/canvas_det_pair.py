# The canvas detection pair: RetinaNet R34 (half width) teacher -> RetinaNet
# R18 (quarter width) student on the Fashion-MNIST canvases, with the
# baseline's data, schedule and runtime. Method configs add taps, connectors
# and losses; their FPN taps name one level each (neck output index 0-2).
# The teacher is the standard baseline's; make it first with
#   python tools/train.py configs/baseline/retinanet-r34w32_fashion-det.py
# Any other teacher of this architecture (e.g. an SFTN or SoTeacher run's
# teacher_final.pth) goes in with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/fashion_canvas_det.py',
    '../schedules/canvas_sgd_12e.py',
    '../default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r18w16.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r34w32.py'),
    teacher_ckpt='work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth',
    teacher_ckpt_hint='python tools/train.py configs/baseline/retinanet-r34w32_fashion-det.py',
    input_shape=(3, 64, 64),
)
# validate the student, and once the (frozen) teacher, as teacher.coco/bbox_mAP
val_cfg = dict(type='DistillValLoop')
# student_final.pth, loadable by configs/baseline/retinanet-r18w16_fashion-det.py
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

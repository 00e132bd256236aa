# The canvas segmentation pair: FCN R34 (half width) teacher -> FCN R18
# (quarter width) student on the Fashion-MNIST canvases, with the baseline's
# data, schedule and runtime. Method configs add taps and losses.
# The teacher is the standard baseline's; make it first with
#   sfkd-train sfkd::baseline/fcn-r34w32_fashion-seg.py
# Any other teacher of this architecture (e.g. an SFTN or SoTeacher run's
# teacher_final.pth) goes in with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/fashion_canvas_seg.py',
    '../schedules/canvas_seg_sgd_12e.py',
    '../default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/canvas/fcn_r18w16.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/canvas/fcn_r34w32.py'),
    teacher_ckpt='work_dirs/fcn-r34w32_fashion-seg/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::baseline/fcn-r34w32_fashion-seg.py',
    input_shape=(3, 64, 64),
)
# validate the student, and once the (frozen) teacher, as teacher.mIoU
val_cfg = dict(type='DistillValLoop')
# student_final.pth, loadable by configs/baseline/fcn-r18w16_fashion-seg.py
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

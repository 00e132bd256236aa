# The student trained alone: DC-CNN D3C5 with L1 to the ground truth on the
# mricron-data T1 slices at 4x, the reference every distilled student is compared
# with. Also the plain config that loads a student-only checkpoint exported from a
# distillation run (student_final.pth).
_base_ = [
    '../_base_/models/mri/dc-cnn_d3c5.py',
    '../_base_/datasets/mri_t1.py',
    '../_base_/schedules/mri_adam.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=10))
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

# Standard teacher: DC-CNN D5C5 trained alone with L1 to the ground truth, at 4x
# on the mricron-data T1 slices (64x64, CPU). Also the plain config that loads any D5C5 teacher
# (standard or SFT) for testing:
#   sfkd-train sfkd::mri/dc-cnn-d5c5_4x_mri-t1.py
# writes work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth.
_base_ = [
    '../_base_/models/mri/dc-cnn_d5c5.py',
    '../_base_/datasets/mri_t1.py',
    '../_base_/schedules/mri_adam.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=10))
# teacher_final.pth: the final weights, under the name every teacher config exports
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

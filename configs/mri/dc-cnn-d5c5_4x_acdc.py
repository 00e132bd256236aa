# Standard teacher: DC-CNN D5C5 trained alone with L1 to the ground truth, at 4x
# on ACDC cardiac MRI (150x150, GPU). Also the plain config that loads any D5C5 teacher
# (standard or SFT) for testing:
#   sfkd-train sfkd::mri/dc-cnn-d5c5_4x_acdc.py
# writes work_dirs/dc-cnn-d5c5_4x_acdc/teacher_final.pth.
_base_ = [
    '../_base_/models/mri/dc-cnn_d5c5.py',
    '../_base_/datasets/mri_acdc_4x.py',
    '../_base_/schedules/mri_adam_150e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=50))
# teacher_final.pth: the final weights, under the name every teacher config exports
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

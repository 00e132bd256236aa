# Standard teacher: DC-CNN D5C5 trained alone with L1 to the ground truth, at 4x
# on MRBrainS brain MRI (240x240, GPU). Also the plain config that loads any D5C5 teacher
# (standard or SFT) for testing:
#   sfkd-train sfkd::mri/dc-cnn-d5c5_4x_mrbrains.py
# writes work_dirs/dc-cnn-d5c5_4x_mrbrains/teacher_final.pth.
_base_ = [
    '../_base_/models/mri/dc-cnn_d5c5.py',
    '../_base_/datasets/mri_mrbrains_4x.py',
    '../_base_/schedules/mri_adam_150e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=50))
# teacher_final.pth: the final weights, under the name every teacher config exports
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

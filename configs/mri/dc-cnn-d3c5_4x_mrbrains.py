# The student trained alone: DC-CNN D3C5 with L1 to the ground truth, at 4x
# on MRBrainS brain MRI (240x240, GPU): the reference of the distilled students. Also the
# plain config that loads their student-only checkpoints (student_final.pth).
_base_ = [
    '../_base_/models/mri/dc-cnn_d3c5.py',
    '../_base_/datasets/mri_mrbrains_4x.py',
    '../_base_/schedules/mri_adam_150e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=50))
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

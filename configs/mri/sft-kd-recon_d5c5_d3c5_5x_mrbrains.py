# SFT-KD-Recon student-friendly D5C5 teacher for the D3C5 student, at 5x
# on MRBrainS brain MRI (240x240, GPU) (branches and weights:
# configs/_base_/friendly/mri_sft_d5c5_d3c5.py):
#   sfkd-train sfkd::mri/sft-kd-recon_d5c5_d3c5_5x_mrbrains.py
# writes work_dirs/sft-kd-recon_d5c5_d3c5_5x_mrbrains/teacher_final.pth and
# sft_student_final.pth.
_base_ = [
    '../_base_/friendly/mri_sft_d5c5_d3c5.py',
    '../_base_/datasets/mri_mrbrains_5x.py',
    '../_base_/schedules/mri_adam_150e.py',
    '../_base_/default_runtime.py',
]
model = dict(input_shape=(3, 240, 240))
default_hooks = dict(logger=dict(interval=50))

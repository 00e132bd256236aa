# SFT-KD-Recon student-friendly D5C5 teacher for the D3C5 student, at 4x
# on the mricron-data T1 slices (64x64, CPU) (branches and weights:
# configs/_base_/friendly/mri_sft_d5c5_d3c5.py):
#   sfkd-train sfkd::mri/sft-kd-recon_d5c5_d3c5_4x_mri-t1.py
# writes work_dirs/sft-kd-recon_d5c5_d3c5_4x_mri-t1/teacher_final.pth and
# sft_student_final.pth.
_base_ = [
    '../_base_/friendly/mri_sft_d5c5_d3c5.py',
    '../_base_/datasets/mri_t1.py',
    '../_base_/schedules/mri_adam.py',
    '../_base_/default_runtime.py',
]
model = dict(input_shape=(3, 64, 64))
default_hooks = dict(logger=dict(interval=10))

# Imitation L1 plus attention transfer per cascade
# (configs/_base_/distill/mri_d5c5_d3c5_at.py) from the standard D5C5 teacher to
# the D3C5 student, at 5x on ACDC cardiac MRI (150x150, GPU); the student starts
# from scratch (from the SFT student when the teacher comes from an SFT run).
# Teacher: sfkd-train sfkd::mri/dc-cnn-d5c5_5x_acdc.py
# (writes work_dirs/dc-cnn-d5c5_5x_acdc/teacher_final.pth, the default
# model.teacher_ckpt; imitation-at-sft_d5c5_d3c5_5x_acdc.py takes the SFT teacher).
_base_ = [
    '../_base_/distill/mri_d5c5_d3c5_at.py',
    '../_base_/datasets/mri_acdc_5x.py',
    '../_base_/schedules/mri_adam_150e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    input_shape=(3, 150, 150),
    teacher_ckpt='work_dirs/dc-cnn-d5c5_5x_acdc/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::mri/dc-cnn-d5c5_5x_acdc.py')
default_hooks = dict(logger=dict(interval=50))
# validate the student, and once the (frozen) teacher, as teacher.mri/PSNR ...
val_cfg = dict(type='DistillValLoop')

# The control of the MRI distillation configs: the same run with no teacher
# signal (the imitation weight is 0 and no feature KD), only the student's start.
# From an SFT teacher's folder the student starts from that run's branch student
# (sft_student_final.pth), from a standard teacher's from scratch, as in the
# imitation configs; so the gap between this and imitation-at-sft_... is what the
# distillation adds, and the gap to the student alone what the start adds.
# Teacher: sfkd-train sfkd::mri/dc-cnn-d5c5_4x_mri-t1.py
# (writes work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth, the default
# model.teacher_ckpt; pass an SFT run's teacher_final.pth to start from its student).
_base_ = [
    '../_base_/distill/mri_d5c5_d3c5.py',
    '../_base_/datasets/mri_t1.py',
    '../_base_/schedules/mri_adam.py',
    '../_base_/default_runtime.py',
]
model = dict(
    input_shape=(3, 64, 64),
    teacher_ckpt='work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::mri/dc-cnn-d5c5_4x_mri-t1.py',
    distill_losses=dict(loss_imitation=dict(type='L1DistillLoss', loss_weight=0.0)))
default_hooks = dict(logger=dict(interval=10))
val_cfg = dict(type='DistillValLoop')

# The same distillation from the SFT-KD-Recon teacher, with the student initialised
# from the SFT run's shared branch student (its parameters matched by name).
# Teacher: sfkd-train sfkd::mri/sft-kd-recon_d5c5_d3c5_4x_acdc.py
# (writes work_dirs/sft-kd-recon_d5c5_d3c5_4x_acdc/teacher_final.pth and
# sft_student_final.pth, the student's start).
_base_ = ['./imitation-at_d5c5_d3c5_4x_acdc.py']
model = dict(
    teacher_ckpt='work_dirs/sft-kd-recon_d5c5_d3c5_4x_acdc/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::mri/sft-kd-recon_d5c5_d3c5_4x_acdc.py',
    # {teacher_dir}/sft_student_final.pth must exist here
    student_init=dict(
        required=True,
        made_by='sfkd-train sfkd::mri/sft-kd-recon_d5c5_d3c5_4x_acdc.py'))

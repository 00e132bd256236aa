# SFT-KD-Recon student-friendly teacher (Matcha et al., MIDL 2024, arXiv:2304.05057):
# branch i (i = 1..4) takes the D5C5 teacher's output after cascade i and runs the
# shared D3C5 student's cascades i+1..5 on it (the student's cascade i output is
# replaced by the teacher's; no transform). Loss:
#   L1(x_T, gt) + mean_i L1(x_S,i, gt) + w * mean_i L1(x_S,i, x_T)
# with w = 1 (branch_imitation_weight 0.25 = 1/4 per branch); the imitation term is
# not divided by the number of pixels and does not detach the teacher output.
_base_ = ['../_base_/friendly/mri_t1_teacher.py']
model = dict(
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d3c5.py'),
             attach=[('cascades.0', 'cascades.0'), ('cascades.1', 'cascades.1'),
                     ('cascades.2', 'cascades.2'), ('cascades.3', 'cascades.3')],
             share_student=True,
             connector=dict(type='IdentityConnector')),
    ],
    imitation_loss=dict(type='L1DistillLoss', detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=0.25,
    branch_imitation_weight=0.25,
)

# SFT-KD-Recon student-friendly teacher (Matcha et al., MIDL 2024, arXiv:2304.05057),
# model only (data and schedule come from the method config): the D5C5 teacher
# wrapped by SFTN. Branch i (i = 1..4) takes the teacher's output after
# cascade i and runs the shared D3C5 student's cascades i+1..5 on it (the student's
# cascade i output is replaced by the teacher's; no transform). Loss:
#   L1(x_T, gt) + mean_i L1(x_S,i, gt) + w * mean_i L1(x_S,i, x_T)
# with w = 1 (branch_imitation_weight 0.25 = 1/4 per branch); the imitation term is
# not divided by the number of pixels and does not detach the teacher output.
model = dict(
    type='SFTN',
    teacher=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d5c5.py'),
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d3c5.py'),
             attach=[('cascades.0', 'cascades.0'), ('cascades.1', 'cascades.1'),
                     ('cascades.2', 'cascades.2'), ('cascades.3', 'cascades.3')],
             share_student=True,
             connector=dict(type='IdentityConnector')),
    ],
    # the reconstruction is the output of the last cascade
    output_taps=dict(teacher='cascades.4', student='cascades.4'),
    imitation_loss=dict(type='L1DistillLoss', detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=0.25,
    branch_imitation_weight=0.25,
    input_shape=(3, 64, 64),
)
# teacher_final.pth: the D5C5 teacher alone (loadable by the dc-cnn-d5c5 configs,
# usable as teacher_ckpt); sft_student_final.pth: the shared branch student (D3C5),
# the distilled student's start
custom_hooks = [
    dict(type='ExportSubmodelHook', part='teacher', filename='teacher_final.pth'),
    dict(type='ExportSubmodelHook', part='students.b0', filename='sft_student_final.pth'),
]
# the branch student's cascades before an attach point get no gradient from that
# branch (their output is replaced), which DDP must be told about
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)

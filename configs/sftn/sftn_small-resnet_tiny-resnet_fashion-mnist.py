# SFTN teacher for the tiny ResNet student: student branches after teacher
# stages 1 and 2 (the student's own stages 2-3 and head run on the transformed
# teacher features). Loss weights l_T=1, l_CE=1, l_KL=3, tau=1 (SFTN defaults).
_base_ = ['../_base_/friendly/fmnist_teacher.py']
model = dict(
    type='SFTN',
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py'),
             attach=[('backbone.layer1', 'backbone.layer1'),
                     ('backbone.layer2', 'backbone.layer2')],
             share_student=True),
    ],
    imitation_loss=dict(type='KDLoss', tau=1.0, detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=1.0,
    branch_imitation_weight=3.0,
    # the SFTN options at their defaults (SFTN's docstring, README "SFTN
    # options"): branch terms summed, the teacher's logits not detached in the KL
    branch_reduction='sum',
    detach_teacher_in_kl=False,
)
# teacher_final.pth: the teacher alone (the distillations' teacher_ckpt);
# branch_student_final.pth: the trained branch student without what never got a
# gradient (its stem and layer1, before the first attach point), the start of
# configs/kd/kd-sftn_small-resnet_tiny-resnet_fashion-mnist.py
custom_hooks = [
    dict(type='ExportSubmodelHook', part='teacher', filename='teacher_final.pth'),
    dict(type='ExportSubmodelHook', part='students.b0', filename='branch_student_final.pth',
         trained_only=True),
]

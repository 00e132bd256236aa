# SFTN teacher for the tiny ResNet student: student branches after teacher
# stages 1 and 2 (the student's own stages 2-3 and head run on the transformed
# teacher features). Loss weights l_T=1, l_CE=1, l_KL=3, tau=1 (SFTN defaults).
_base_ = ['../_base_/friendly/fmnist_teacher.py']
model = dict(
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
)

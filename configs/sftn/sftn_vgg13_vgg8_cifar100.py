# SFTN teacher vgg13 with vgg8 branches on CIFAR-100 (240 epochs), then
#   sfkd-train sfkd::kd/kd-sftn_vgg13_vgg8_cifar100.py
_base_ = ['../_base_/friendly/cifar100_teacher.py']
model = dict(
    type='SFTN',
    teacher=dict(cfg_path='sfkd::_base_/models/cifar100/vgg13.py'),
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/cifar100/vgg8.py'),
             attach=[('backbone.layer2', 'backbone.layer2'),
                     ('backbone.layer3', 'backbone.layer3'),
                     ('backbone.layer4', 'backbone.layer4')]),
    ],
    imitation_loss=dict(type='KDLoss', tau=1.0, detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=1.0,
    branch_imitation_weight=3.0,
)

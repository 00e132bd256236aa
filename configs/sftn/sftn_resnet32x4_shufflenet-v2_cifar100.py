# SFTN teacher resnet32x4 with shufflenet_v2 branches on CIFAR-100 (240 epochs), then
#   sfkd-train sfkd::kd/kd-sftn_resnet32x4_shufflenet-v2_cifar100.py
_base_ = ['../_base_/friendly/cifar100_teacher.py']
model = dict(
    type='SFTN',
    teacher=dict(cfg_path='sfkd::_base_/models/cifar100/resnet32x4.py'),
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/cifar100/shufflenet_v2.py'),
             attach=[('backbone.layer2', 'backbone.layer1'),
                     ('backbone.layer3', 'backbone.layer2')]),
    ],
    imitation_loss=dict(type='KDLoss', tau=1.0, detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=1.0,
    branch_imitation_weight=3.0,
)

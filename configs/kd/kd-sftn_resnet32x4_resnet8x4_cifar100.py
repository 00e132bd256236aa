# Hinton KD from the SFTN teacher of configs/sftn/sftn_resnet32x4_resnet8x4_cifar100.py.
_base_ = ['./kd_resnet32x4_resnet8x4_cifar100.py']
model = dict(teacher_ckpt='work_dirs/sftn_resnet32x4_resnet8x4_cifar100/teacher_final.pth',
             teacher_ckpt_hint='sfkd-train sfkd::sftn/sftn_resnet32x4_resnet8x4_cifar100.py')

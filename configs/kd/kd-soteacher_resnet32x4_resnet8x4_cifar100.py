# Hinton KD from the SoTeacher teacher of configs/soteacher/soteacher_resnet32x4_cifar100.py.
_base_ = ['./kd_resnet32x4_resnet8x4_cifar100.py']
model = dict(teacher_ckpt='work_dirs/soteacher_resnet32x4_cifar100/teacher_final.pth',
             teacher_ckpt_hint='sfkd-train sfkd::soteacher/soteacher_resnet32x4_cifar100.py')

# Hinton KD from the SoTeacher teacher of configs/soteacher/soteacher_vgg13_cifar100.py.
_base_ = ['./kd_vgg13_vgg8_cifar100.py']
model = dict(teacher_ckpt='work_dirs/soteacher_vgg13_cifar100/teacher_final.pth',
             teacher_ckpt_hint='sfkd-train sfkd::soteacher/soteacher_vgg13_cifar100.py')

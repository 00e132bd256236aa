# Hinton KD from the SoTeacher teacher of configs/soteacher/soteacher_wrn-40-2_cifar100.py.
_base_ = ['./kd_wrn-40-2_shufflenet-v1_cifar100.py']
model = dict(teacher_ckpt='work_dirs/soteacher_wrn-40-2_cifar100/teacher_final.pth',
             teacher_ckpt_hint='sfkd-train sfkd::soteacher/soteacher_wrn-40-2_cifar100.py')

# Hinton KD from the SFTN teacher of configs/sftn/sftn_wrn-40-2_wrn-16-2_cifar100.py.
_base_ = ['./kd_wrn-40-2_wrn-16-2_cifar100.py']
model = dict(teacher_ckpt='work_dirs/sftn_wrn-40-2_wrn-16-2_cifar100/teacher_final.pth',
             teacher_ckpt_hint='sfkd-train sfkd::sftn/sftn_wrn-40-2_wrn-16-2_cifar100.py')

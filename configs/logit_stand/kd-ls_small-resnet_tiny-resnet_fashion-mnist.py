# Hinton KD on standardised logits (Sun et al., CVPR 2024): student and teacher logits
# become Z-scores before the base temperature tau=2; KD weight 9 and task loss weight 0.1,
# the paper's CIFAR-100 setting (its Table 4).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_loss_weight=0.1,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=2.0, logit_stand=True,
                                     loss_weight=9.0)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

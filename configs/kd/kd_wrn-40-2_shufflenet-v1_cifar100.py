# Hinton KD (tau=4; CE weight 0.1, KD weight 0.9 as in RepDistiller), wrn_40_2 -> shufflenet_v1.
_base_ = ['../_base_/distill/cifar100_wrn-40-2_shufflenet-v1.py']
model = dict(
    student_loss_weight=0.1,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

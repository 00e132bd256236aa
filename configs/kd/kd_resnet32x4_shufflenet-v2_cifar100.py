# Hinton KD (tau=4; CE weight 0.1, KD weight 0.9 as in RepDistiller), resnet32x4 -> shufflenet_v2.
_base_ = ['../_base_/distill/cifar100_resnet32x4_shufflenet-v2.py']
model = dict(
    student_loss_weight=0.1,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

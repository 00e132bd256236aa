# Hinton KD (tau=4; CE weight 0.1, KD weight 0.9 as in RepDistiller), resnet56 -> resnet20.
_base_ = ['../_base_/distill/cifar100_resnet56_resnet20.py']
model = dict(
    student_loss_weight=0.1,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

# Decoupled KD (alpha=1, beta=8, tau=4, mdistiller CIFAR setting), resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    distill_losses=dict(loss_dkd=dict(type='DKDLoss', alpha=1.0, beta=8.0, tau=4.0)),
    loss_inputs=dict(loss_dkd=dict(student='student.logits', teacher='teacher.logits',
                                   target='data.gt_label')),
)

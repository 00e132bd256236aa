# Weighted soft labels (tau=4, weight 2.5), resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    distill_losses=dict(loss_wsld=dict(type='WSLDLoss', tau=4.0, loss_weight=2.5)),
    loss_inputs=dict(loss_wsld=dict(student='student.logits', teacher='teacher.logits',
                                    target='data.gt_label')),
)

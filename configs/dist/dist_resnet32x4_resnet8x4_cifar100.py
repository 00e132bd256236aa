# DIST (beta=2, gamma=2, tau=4: the paper's CIFAR-100 setting), resnet32x4 -> resnet8x4.
# Task loss weight 1, with RepDistiller's 240-epoch recipe.
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=1.0,
    distill_losses=dict(loss_dist=dict(type='DISTLoss', beta=2.0, gamma=2.0, tau=4.0)),
    loss_inputs=dict(loss_dist=dict(student='student.logits', teacher='teacher.logits')),
)

# Neuron selectivity transfer (weight 50, RepDistiller) on the last stage, resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    distill_losses=dict(loss_nst=dict(type='NSTLoss', loss_weight=50.0)),
    loss_inputs=dict(loss_nst=dict(student='student.feat', teacher='teacher.feat')),
)

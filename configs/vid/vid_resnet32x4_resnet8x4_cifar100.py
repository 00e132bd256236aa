# Variational information distillation (weight 1.0) on the last stage, resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    distill_losses=dict(loss_vid=dict(type='VIDLoss', student_channels=256, mid_channels=256,
                                      teacher_channels=256, loss_weight=1.0)),
    loss_inputs=dict(loss_vid=dict(student='student.feat', teacher='teacher.feat')),
)

# FitNets hint on the last stage (weight 100, RepDistiller's -b 100) plus
# Hinton KD, vgg13 -> vgg8. The 1x1 conv+BN connector is sized automatically.
_base_ = ['../_base_/distill/cifar100_vgg13_vgg8.py']
model = dict(
    student_loss_weight=0.1,
    connectors=dict(hint=dict(type='ConvBNConnector')),
    distill_losses=dict(
        loss_hint=dict(type='FitNetsLoss', loss_weight=100.0),
        loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(
        loss_hint=dict(student=('student.feat', 'hint'), teacher='teacher.feat'),
        loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

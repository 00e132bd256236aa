# FitNets hint on the last stage (student w8 -> teacher w16 through a 1x1
# conv+BN connector sized automatically) plus Hinton KD on the logits.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_taps=dict(feat='backbone.layer3', logits='head.fc'),
    teacher_taps=dict(feat='backbone.layer3', logits='head.fc'),
    connectors=dict(hint=dict(type='ConvBNConnector')),
    distill_losses=dict(
        loss_hint=dict(type='FitNetsLoss', loss_weight=1.0),
        loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(
        loss_hint=dict(student=('student.feat', 'hint'), teacher='teacher.feat'),
        loss_kd=dict(student='student.logits', teacher='teacher.logits')),
    student_loss_weight=0.1,
)

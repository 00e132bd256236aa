# Attention transfer (beta=1000, RepDistiller's weight) on the last stage, with
# the student's cross-entropy at weight 1 (no KD term).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_taps=dict(feat='backbone.layer3'),
    teacher_taps=dict(feat='backbone.layer3'),
    distill_losses=dict(loss_at=dict(type='ATLoss', p=2.0, loss_weight=1000.0)),
    loss_inputs=dict(loss_at=dict(student='student.feat', teacher='teacher.feat')),
)

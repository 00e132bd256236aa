# SKD stacked with a feature loss by config alone: the simplified-logit KD of
# skd_small-resnet_tiny-resnet_fashion-mnist.py plus attention transfer
# (beta=1000) on the last stage.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt).
_base_ = ['./skd_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(
    student_taps=dict(feat='backbone.layer3'),
    teacher_taps=dict(feat='backbone.layer3'),
    distill_losses=dict(loss_at=dict(type='ATLoss', p=2.0, loss_weight=1000.0)),
    loss_inputs=dict(loss_at=dict(student='student.feat', teacher='teacher.feat')),
)

# OFA-KD (Hao et al., NeurIPS 2023) from the small ResNet teacher to the tiny ResNet
# student: an exit branch on each student stage projects its feature map to logits, and
# the OFA loss (eps=1.5, tau=1) compares every exit, and the student's own logits, with
# the teacher's logits; the task loss keeps weight 1 (the official weights: 1 each).
# The exits train with the student and are left out of its exported weights.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
# the student's stages: layer1 8x28x28, layer2 16x14x14, layer3 32x7x7; each exit reaches
# the last stage's 7x7 and ends at 64 channels (the wider of the student's 32 and the
# teacher's 64 final channels) before pooling, as the official exits do
model = dict(
    student_taps=dict(stage1='backbone.layer1', stage2='backbone.layer2',
                      stage3='backbone.layer3', logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    connectors=dict(
        ofa_exit1=dict(type='ExitBranchConnector', downsamples=2, channels=64),
        ofa_exit2=dict(type='ExitBranchConnector', downsamples=1, channels=64),
        ofa_exit3=dict(type='ExitBranchConnector', channels=64)),
    distill_losses=dict(
        loss_ofa_exit1=dict(type='OFALoss', eps=1.5),
        loss_ofa_exit2=dict(type='OFALoss', eps=1.5),
        loss_ofa_exit3=dict(type='OFALoss', eps=1.5),
        loss_ofa=dict(type='OFALoss', eps=1.5)),
    loss_inputs=dict(
        loss_ofa_exit1=dict(student=('student.stage1', 'ofa_exit1'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa_exit2=dict(student=('student.stage2', 'ofa_exit2'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa_exit3=dict(student=('student.stage3', 'ofa_exit3'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa=dict(student='student.logits', teacher='teacher.logits',
                      target='data.gt_label')),
)

# OFA-KD (Hao et al., NeurIPS 2023), resnet32x4 -> resnet8x4 on CIFAR-100 with
# RepDistiller's 240-epoch recipe (configs/_base_/distill/cifar100_resnet32x4_resnet8x4.py).
# An exit branch on each of the student's three stages projects its feature map to logits;
# the OFA loss (eps=1.5, tau=1) compares every exit, and the student's own logits, with the
# teacher's logits. The task loss and every OFA term weigh 1 (the official weights).
# Each exit reaches the last stage's 8x8 and ends at 256 channels (the wider of the two
# models' final widths) before pooling, as the official exits do.
# The paper reports no resnet32x4 -> resnet8x4 result: see configs/ofa/README.md.
#   sfkd-train sfkd::ofa/ofa_resnet32x4_resnet8x4_cifar100.py \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet32x4.pth
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    # resnet8x4: layer1 64x32x32, layer2 128x16x16, layer3 256x8x8
    student_taps=dict(stage1='backbone.layer1', stage2='backbone.layer2',
                      stage3='backbone.layer3'),
    connectors=dict(
        ofa_exit1=dict(type='ExitBranchConnector', downsamples=2, channels=256),
        ofa_exit2=dict(type='ExitBranchConnector', downsamples=1, channels=256),
        ofa_exit3=dict(type='ExitBranchConnector', channels=256)),
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

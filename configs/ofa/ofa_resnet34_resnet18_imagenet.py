# OFA-KD (Hao et al., NeurIPS 2023) on ImageNet, ResNet-34 -> ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::ofa/ofa_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# An exit branch on each of the student's four stages projects its feature map to logits,
# as in the paper (every stage of a four-stage model); the OFA loss (eps=1.5, tau=1)
# compares every exit, and the student's own logits, with the teacher's logits. The task
# loss and every OFA term weigh 1 (the official weights). Stage k's exit has 4 - k
# stride-2 blocks, reaching the last stage's 7x7, and ends at 512 channels.
# The schedule is sfkd's standard ImageNet one (as in configs/kd/kd_resnet34_resnet18_imagenet.py);
# configs/ofa/README.md lists how the official recipe differs.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_sgd_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/imagenet/resnet18.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/imagenet/resnet34.py'),
    teacher_ckpt='work_dirs/resnet34_imagenet/epoch_100.pth',
    teacher_ckpt_hint='python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::baseline/resnet34_imagenet.py --launcher pytorch',
    input_shape=(3, 224, 224),
    # ResNet-18: layer1 64x56x56, layer2 128x28x28, layer3 256x14x14, layer4 512x7x7
    student_taps=dict(stage1='backbone.layer1', stage2='backbone.layer2',
                      stage3='backbone.layer3', stage4='backbone.layer4', logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    connectors=dict(
        ofa_exit1=dict(type='ExitBranchConnector', downsamples=3, channels=512),
        ofa_exit2=dict(type='ExitBranchConnector', downsamples=2, channels=512),
        ofa_exit3=dict(type='ExitBranchConnector', downsamples=1, channels=512),
        ofa_exit4=dict(type='ExitBranchConnector', channels=512)),
    distill_losses=dict(
        loss_ofa_exit1=dict(type='OFALoss', eps=1.5),
        loss_ofa_exit2=dict(type='OFALoss', eps=1.5),
        loss_ofa_exit3=dict(type='OFALoss', eps=1.5),
        loss_ofa_exit4=dict(type='OFALoss', eps=1.5),
        loss_ofa=dict(type='OFALoss', eps=1.5)),
    loss_inputs=dict(
        loss_ofa_exit1=dict(student=('student.stage1', 'ofa_exit1'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa_exit2=dict(student=('student.stage2', 'ofa_exit2'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa_exit3=dict(student=('student.stage3', 'ofa_exit3'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa_exit4=dict(student=('student.stage4', 'ofa_exit4'), teacher='teacher.logits',
                            target='data.gt_label'),
        loss_ofa=dict(student='student.logits', teacher='teacher.logits',
                      target='data.gt_label')),
)
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

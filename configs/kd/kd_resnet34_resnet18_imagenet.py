# Hinton KD on ImageNet, ResNet-34 -> ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::kd/kd_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# tau=1 and equal CE/KD weights, the usual ImageNet KD setting (CRD, DKD papers).
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
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    student_loss_weight=0.5,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=1.0, loss_weight=0.5)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

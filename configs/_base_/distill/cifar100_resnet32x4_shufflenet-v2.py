# CIFAR-100 pair resnet32x4 -> shufflenet_v2 with RepDistiller's 240-epoch recipe.
# The teacher checkpoint comes from configs/baseline/resnet32x4_cifar100.py;
# set it with --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/cifar100.py',
    '../schedules/cifar100_sgd_240e.py',
    '../default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/cifar100/shufflenet_v2.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/cifar100/resnet32x4.py'),
    teacher_ckpt='work_dirs/resnet32x4_cifar100/epoch_240.pth',
    teacher_ckpt_hint="sfkd-train sfkd::baseline/resnet32x4_cifar100.py",
    input_shape=(3, 32, 32),
    # the student's 8x8 stage meets the teacher's last (8x8) stage
    student_taps=dict(feat='backbone.layer2', logits='head.fc'),
    teacher_taps=dict(feat='backbone.layer3', logits='head.fc'),
)
# MobileNetV2/ShuffleNet students use lr 0.01 (RepDistiller)
optim_wrapper = dict(optimizer=dict(lr=0.01))

val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

# KD + CTKD on ImageNet, ResNet-34 -> ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::ctkd/ctkd_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# The authors' ImageNet script: CE and KD weights 1 and 1, tau = 1 + 20 * sigmoid(T_pred),
# lambda 0 -> 1 over the first 5 epochs, 120 epochs (SGD lr 0.1 for 256 images, x0.1 at
# 30, 60 and 90; weight decay 1e-4): sfkd's ImageNet schedule, run for 120 epochs.
# Reference: configs/ctkd/README.md.
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
    student_loss_weight=1.0,
    distill_losses=dict(loss_kd=dict(
        type='KDLoss', loss_weight=1.0,
        tau=dict(type='LearnableTemperature', tau_min=1.0, tau_range=20.0,
                 lambda_min=0.0, lambda_max=1.0, curriculum_epochs=5))),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
train_cfg = dict(max_epochs=120)
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

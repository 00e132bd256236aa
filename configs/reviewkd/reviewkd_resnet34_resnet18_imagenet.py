# ReviewKD on ImageNet, ResNet-34 -> ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::reviewkd/reviewkd_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# The student's four stages and pooled feature fused by ABF (mid channels 512),
# HCL weight 1, cross-entropy weight 1, no KD term (the released ImageNet
# setting: its one-epoch warm-up already gives the full weight in the first
# epoch, so there is none here; see README.md).
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
    student_taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3',
                      s4='backbone.layer4', pooled='neck[0]'),
    teacher_taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3',
                      s4='backbone.layer4', pooled='neck[0]'),
    connectors=dict(review=dict(type='ABFConnector')),
    distill_losses=dict(loss_hcl=dict(type='HCLLoss', loss_weight=1.0)),
    loss_inputs=dict(loss_hcl=dict(
        student=(['student.s1', 'student.s2', 'student.s3', 'student.s4', 'student.pooled'],
                 'review'),
        teacher=['teacher.s1', 'teacher.s2', 'teacher.s3', 'teacher.s4', 'teacher.pooled'])),
)
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

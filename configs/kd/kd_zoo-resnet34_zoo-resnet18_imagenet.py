# Hinton KD on ImageNet with both models straight from mmpretrain's model zoo, as
# MMRazor's configs name them: the ResNet-34 teacher with the weights mmpretrain's
# metafile lists (pretrained=True, downloaded once into torch's hub cache), the
# ResNet-18 student from scratch. 8 GPUs x 32 images:
#   bash tools/dist_train.sh configs/kd/kd_zoo-resnet34_zoo-resnet18_imagenet.py 8
# Offline, download the teacher's weights elsewhere and pass
#   --cfg-options model.teacher.pretrained=PATH/TO/resnet34_8xb32_in1k.pth
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_sgd_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py', pretrained=True),
    input_shape=(3, 224, 224),
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    student_loss_weight=0.5,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=1.0, loss_weight=0.5)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
val_cfg = dict(type='DistillValLoop')
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]

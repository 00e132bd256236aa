# ResNet-34 trained alone on ImageNet-1k (8 GPUs x 32 images, 100 epochs):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::baseline/resnet34_imagenet.py --launcher pytorch
# writes work_dirs/resnet34_imagenet/epoch_100.pth, the teacher that
# configs/kd/kd_resnet34_resnet18_imagenet.py loads.
# mmpretrain's zoo checkpoint of the same model (resnet34_8xb32_in1k) also fits: download it
# and pass its path as the teacher_ckpt.
_base_ = [
    '../_base_/models/imagenet/resnet34.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_sgd_100e.py',
    '../_base_/default_runtime.py',
]

# Hinton KD on standardised logits (Sun et al., CVPR 2024) on ImageNet, ResNet-34 ->
# ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::logit_stand/kd-ls_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# Base temperature tau=2, KD weight 9, task loss weight 1: the authors' ImageNet command
# (their kd.yaml with `--logit-stand --base-temp 2 --kd-weight 9`); the schedule and
# models as kd/kd_resnet34_resnet18_imagenet.py.
_base_ = ['../kd/kd_resnet34_resnet18_imagenet.py']
model = dict(
    student_loss_weight=1.0,
    distill_losses=dict(loss_kd=dict(tau=2.0, logit_stand=True, loss_weight=9.0)),
)

# NKD on ImageNet, ResNet-34 -> ResNet-18 (8 GPUs x 32 images):
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::nkd/nkd_resnet34_resnet18_imagenet.py --launcher pytorch \
#       --cfg-options model.teacher_ckpt=PATH/TO/resnet34.pth
# tau=1, gamma=1.5 and the task loss at weight 1 (L = CE + L_NKD), the authors' setting
# (cls_KD's configs/distillers/imagenet/res34_distill_res18_img.py); the schedule and
# models as kd/kd_resnet34_resnet18_imagenet.py.
_base_ = ['../kd/kd_resnet34_resnet18_imagenet.py']
model = dict(
    student_loss_weight=1.0,
    distill_losses=dict(_delete_=True, loss_nkd=dict(type='NKDLoss', tau=1.0, gamma=1.5)),
    loss_inputs=dict(_delete_=True,
                     loss_nkd=dict(student='student.logits', teacher='teacher.logits',
                                   target='data.gt_label')),
)

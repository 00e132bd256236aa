# NKD (tau=3, gamma=3.5: the authors' CIFAR-100 setting, cls_KD's
# configs/distillers/cifar100/res34_distill_res18_cifar.py), resnet32x4 -> resnet8x4,
# beside the task loss at weight 1 (L = CE + L_NKD), with RepDistiller's 240-epoch recipe.
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=1.0,
    distill_losses=dict(loss_nkd=dict(type='NKDLoss', tau=3.0, gamma=3.5)),
    loss_inputs=dict(loss_nkd=dict(student='student.logits', teacher='teacher.logits',
                                   target='data.gt_label')),
)

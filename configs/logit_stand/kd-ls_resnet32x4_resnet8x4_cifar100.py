# Hinton KD on standardised logits (Sun et al., CVPR 2024), resnet32x4 -> resnet8x4:
# base temperature tau=2, KD weight 9, task loss weight 0.1 (the paper's Table 4 setting,
# and the authors' `--logit-stand --base-temp 2 --kd-weight 9`), with RepDistiller's
# 240-epoch recipe.
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=0.1,
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=2.0, logit_stand=True,
                                     loss_weight=9.0)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)

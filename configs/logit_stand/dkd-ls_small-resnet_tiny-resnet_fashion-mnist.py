# Decoupled KD on standardised logits (Sun et al., CVPR 2024): alpha=1, beta=8 and the
# task loss at weight 1, as configs/dkd/, at the base temperature tau=2. The DKD term
# keeps DKD's own weight 1: weighted 9 (the paper's KD weight) it made the student
# diverge on this pair (its cross-entropy rose to 16 within 50 iterations at lr 0.1).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_loss_weight=1.0,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_dkd=dict(type='DKDLoss', alpha=1.0, beta=8.0, tau=2.0,
                                      logit_stand=True, loss_weight=1.0)),
    loss_inputs=dict(loss_dkd=dict(student='student.logits', teacher='teacher.logits',
                                   target='data.gt_label')),
)

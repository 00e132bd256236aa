# Teacher-free KD (Tf-KD_reg, Yuan et al., CVPR 2020): the tiny ResNet student
# learns from a hand-made virtual teacher, probability a=0.9 on the label and
# the rest uniform, softened at tau=20. No teacher network: model.teacher=None,
# and the loss's teacher input is the label (data.gt_label).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    teacher=None,
    teacher_ckpt=None,
    teacher_ckpt_hint=None,
    student_loss_weight=0.9,
    student_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_tf=dict(type='TeacherFreeKDLoss', correct_prob=0.9, tau=20.0,
                                     loss_weight=0.1)),
    loss_inputs=dict(loss_tf=dict(student='student.logits', teacher='data.gt_label')),
)

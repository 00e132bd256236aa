# Teacher-free KD (Tf-KD_reg: a=0.9, tau=20; CE 0.9, virtual-teacher KD 0.1) for
# resnet8x4 on CIFAR-100: no teacher network (model.teacher=None).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    teacher=None,
    teacher_ckpt=None,
    teacher_ckpt_hint=None,
    teacher_taps=None,
    student_loss_weight=0.9,
    student_taps=dict(_delete_=True, logits='head.fc'),
    distill_losses=dict(loss_tf=dict(type='TeacherFreeKDLoss', correct_prob=0.9, tau=20.0,
                                     loss_weight=0.1)),
    loss_inputs=dict(loss_tf=dict(student='student.logits', teacher='data.gt_label')),
)

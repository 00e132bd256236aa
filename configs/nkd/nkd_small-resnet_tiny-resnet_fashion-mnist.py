# NKD (Yang et al., ICCV 2023) from the small ResNet teacher to the tiny ResNet student:
# the teacher's target probability, and its non-target distribution renormalised to sum
# to one (tau=1, gamma=1.5, the authors' ImageNet setting), beside the task loss at
# weight 1 (the paper's L = CE + L_NKD).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_loss_weight=1.0,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_nkd=dict(type='NKDLoss', tau=1.0, gamma=1.5)),
    loss_inputs=dict(loss_nkd=dict(student='student.logits', teacher='teacher.logits',
                                   target='data.gt_label')),
)

# SKD: the teacher logits, softened at tau=4, pass through a learning simplifier
# (attention across the batch, residual to the softened logits) into Hinton KD.
# The simplifier trains with the student, in its own parameter group
# (connectors.simplifier: 0.1x the learning rate, no weight decay); the teacher
# stays frozen. Trained by the KD loss alone, the simplifier drifts towards the
# student; loss_anchor (KD from the teacher into the simplified logits) holds it
# near the teacher's distribution.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; an SFTN or SoTeacher teacher goes in with
# --cfg-options model.teacher_ckpt=PATH).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_loss_weight=0.1,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    connectors=dict(simplifier=dict(type='LearningSimplifier', tau=4.0, residual=True)),
    # detach_teacher=False: the KD gradient reaches the simplifier (not the frozen teacher)
    distill_losses=dict(
        loss_kd=dict(type='KDLoss', tau=4.0, detach_teacher=False, loss_weight=0.9),
        # the guard against collapse: the simplified distribution stays near the teacher's
        loss_anchor=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(
        loss_kd=dict(student='student.logits', teacher=('teacher.logits', 'simplifier')),
        loss_anchor=dict(student=('teacher.logits', 'simplifier'), teacher='teacher.logits')),
)
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'connectors.simplifier': dict(lr_mult=0.1, decay_mult=0.0)}))

# SKD (learning simplifier + KD, tau=4; CE 0.1, KD 0.9, the simplifier anchored to the
# teacher at 0.9), resnet32x4 -> resnet8x4.
# The teacher checkpoint comes from configs/baseline/resnet32x4_cifar100.py;
# set it with --cfg-options model.teacher_ckpt=PATH.
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=0.1,
    connectors=dict(simplifier=dict(type='LearningSimplifier', tau=4.0, residual=True)),
    distill_losses=dict(
        loss_kd=dict(type='KDLoss', tau=4.0, detach_teacher=False, loss_weight=0.9),
        # the guard against collapse onto the student
        loss_anchor=dict(type='KDLoss', tau=4.0, loss_weight=0.9)),
    loss_inputs=dict(
        loss_kd=dict(student='student.logits', teacher=('teacher.logits', 'simplifier')),
        loss_anchor=dict(student=('teacher.logits', 'simplifier'), teacher='teacher.logits')),
)
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'connectors.simplifier': dict(lr_mult=0.1, decay_mult=0.0)}))

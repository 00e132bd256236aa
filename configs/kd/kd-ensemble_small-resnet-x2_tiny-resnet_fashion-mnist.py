# Hinton KD (tau=4) from an ensemble of two small ResNet teachers (model.teachers a
# and b: the same architecture, trained with two seeds) to the tiny ResNet student;
# one KD loss per teacher (a.logits, b.logits), each weighted 0.5.
# Teacher a: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# Teacher b: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
#   --work-dir work_dirs/small-resnet_3e_fashion-mnist_seed1 --cfg-options randomness.seed=1
# Data, schedule and student are the KD config's; its single-teacher options are unset.
_base_ = ['./kd_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(
    teacher=None,
    teacher_ckpt=None,
    teacher_ckpt_hint=None,
    teacher_taps=None,
    teachers=dict(
        a=dict(teacher=dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'),
               ckpt='work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth',
               ckpt_hint='sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py',
               taps=dict(logits='head.fc')),
        b=dict(teacher=dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'),
               ckpt='work_dirs/small-resnet_3e_fashion-mnist_seed1/teacher_final.pth',
               ckpt_hint='sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py '
               '--work-dir work_dirs/small-resnet_3e_fashion-mnist_seed1 '
               '--cfg-options randomness.seed=1',
               taps=dict(logits='head.fc'))),
    distill_losses=dict(
        _delete_=True,
        loss_kd_a=dict(type='KDLoss', tau=4.0, loss_weight=0.5),
        loss_kd_b=dict(type='KDLoss', tau=4.0, loss_weight=0.5)),
    loss_inputs=dict(
        _delete_=True,
        loss_kd_a=dict(student='student.logits', teacher='a.logits'),
        loss_kd_b=dict(student='student.logits', teacher='b.logits')),
)

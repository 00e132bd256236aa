# SFTN fine-tune mode: start from a trained standard teacher and train the
# branches with it for one short epoch.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; set another with --cfg-options model.teacher_ckpt=PATH).
_base_ = ['./sftn_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(
    teacher_ckpt='work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py')
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)]

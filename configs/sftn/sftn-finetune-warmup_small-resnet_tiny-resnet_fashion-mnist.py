# SFTN fine-tune mode with a branch warm-up: start from a trained standard teacher,
# train only the branches (transforms and branch student) for one epoch with the
# teacher frozen (eval mode, no gradient, BatchNorm statistics kept), then the
# teacher and its branches jointly for one epoch, on one cosine schedule.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; set another with --cfg-options model.teacher_ckpt=PATH).
_base_ = ['./sftn-finetune_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(branch_warmup_epochs=1)
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)]

# SFTN fine-tune mode: start from a trained standard teacher (the baseline's
# checkpoint) and train the branches with it for one short epoch.
_base_ = ['./sftn_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(teacher_ckpt='work_dirs/main_baseline/epoch_3.pth')
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)]

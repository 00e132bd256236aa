# LW-KD stage 1 for CIFAR-100: the LeNet teacher on 50k synthetic two-digit
# strings of 100 classes, 32x32:
#   sfkd-train sfkd::lwkd/lenet_synthetic-digits-100.py
# writes work_dirs/lenet_synthetic-digits-100/teacher_final.pth.
_base_ = [
    '../_base_/models/lwkd/lenet_digits-100.py',
    '../_base_/datasets/synthetic_digits.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(num_classes=100, num_samples=50000, image_size=32))
val_dataloader = dict(dataset=dict(num_classes=100, num_samples=5000, image_size=32))
test_dataloader = val_dataloader
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]

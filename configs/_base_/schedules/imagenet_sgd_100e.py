# The standard ImageNet schedule for 8 GPUs x 32 images: SGD lr 0.1,
# momentum 0.9, weight decay 1e-4, 100 epochs, x0.1 at 30, 60 and 90.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
# sfkd's epoch-based loop: resumes mid-epoch exactly, and fits the schedule above to
# max_epochs (sfkd.engine.resumable_train_loop)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict(type='CheckedTestLoop')  # resolves the test data's data_root
auto_scale_lr = dict(base_batch_size=256)

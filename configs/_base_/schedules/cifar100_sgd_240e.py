# RepDistiller's CIFAR-100 recipe: SGD momentum 0.9, lr 0.05 for a batch of 64
# (0.01 for MobileNetV2/ShuffleNet students, set in their configs), weight
# decay 5e-4, 240 epochs, x0.1 at epochs 150, 180 and 210.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
)
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
# sfkd's epoch-based loop: resumes mid-epoch exactly, and fits the schedule above to
# max_epochs (sfkd.engine.resumable_train_loop)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=240, val_interval=5)
val_cfg = dict()
test_cfg = dict(type='CheckedTestLoop')  # resolves the test data's data_root
auto_scale_lr = dict(base_batch_size=64)

# A short SGD schedule for the Fashion-MNIST canvases on CPUs: 12 epochs,
# linear warm-up over the first epoch, then cosine decay per iteration.
max_epochs = 12

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=10, norm_type=2),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
# sfkd's epoch-based loop: resumes mid-epoch exactly, and fits the schedule above to
# max_epochs (sfkd.engine.resumable_train_loop)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs, val_interval=4)
val_cfg = dict()
test_cfg = dict(type='CheckedTestLoop')  # resolves the test data's data_root

# the learning rate above is for a total batch of 16 (detectors; segmentors: canvas_seg_sgd_12e.py)
auto_scale_lr = dict(base_batch_size=16)

# SFT-KD-Recon's schedule: Adam at 1e-3, x0.1 every 40 epochs, 150 epochs (batch 4).
max_epochs = 150

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='StepLR', step_size=40, gamma=0.1, by_epoch=True)]
# sfkd's epoch-based loop: resumes mid-epoch exactly, and fits the schedule above to
# max_epochs (sfkd.engine.resumable_train_loop)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict(type='CheckedTestLoop')  # resolves the test data's data_root

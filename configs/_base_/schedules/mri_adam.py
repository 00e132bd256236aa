# Adam at 1e-3 with a step decay, SFT-KD-Recon's optimiser (there: 150 epochs,
# x0.1 after 40, batch 4); shortened for CPUs: 10 epochs, x0.1 after 8.
max_epochs = 10

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[8], gamma=0.1, by_epoch=True)]
# sfkd's epoch-based loop: resumes mid-epoch exactly, and fits the schedule above to
# max_epochs (sfkd.engine.resumable_train_loop)
train_cfg = dict(type='ResumableEpochBasedTrainLoop',
                 max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict(type='CheckedTestLoop')  # resolves the test data's data_root

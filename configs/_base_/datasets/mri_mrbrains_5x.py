# MRBrainS brain MRI (240x240 T1 slices) at 5x, for GPUs.
# Layout (not shipped; convert the data set first):
#   data/mrbrains/{train,val,test}/<subject>.h5, each with a dataset 'image' of shape
#   (slices, 240, 240): the fully sampled magnitude images of one subject,
#   scaled to [0, 1] per subject.
# k-space is simulated per slice and undersampled by a 1-D variable-density
# random row mask (the SFT-KD-Recon code's kind of mask; 5x, 8% centre),
# seeded per slice.
dataset_type = 'H5Volumes'
data_root = 'data/mrbrains'
mask = dict(kind='variable_density', acceleration=5, center_fraction=0.08, lines='rows')
train_pipeline = [
    dict(type='SimulateKSpace'),
    dict(type='UndersampleKSpace', mask=mask, seed=0),
    dict(type='PackMRIInputs'),
]
test_pipeline = [
    dict(type='SimulateKSpace'),
    dict(type='UndersampleKSpace', mask=mask, seed=1),
    dict(type='PackMRIInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='val'),
                 test_mode=True, pipeline=test_pipeline),
)
val_evaluator = [dict(type='PSNR'), dict(type='SSIM'), dict(type='NMSE')]
test_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='test'),
                 test_mode=True, pipeline=test_pipeline),
)
test_evaluator = val_evaluator

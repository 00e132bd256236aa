# Single-coil MRI reconstruction on 64x64 axial slices of the real T1 volumes of
# Debian's mricron-data, prepared by tools/dataset_converters/prepare_mri_t1.py
# (run by tools/setup.sh) into data_root: human ch2 split train/val/test by slab
# (gaps of 3 slices between splits), the macaque inia19 as the cross-subject test
# set. Validation scores the human val slab and the macaque volume, each reported
# on its own (mri/PSNR/ch2, mri/PSNR/inia19-t1-brain, ...); test scores the human
# test slab (test_dataloader.dataset.split='test_macaque' for the macaque). k-space
# is simulated per slice (orthonormal FFT) and undersampled by a random Cartesian
# column mask at 4x with an 8% fully sampled centre, seeded per slice (the same
# mask every epoch).
dataset_type = 'MRIT1Slices'
data_root = 'data/mri_t1'
mask = dict(kind='random', acceleration=4, center_fraction=0.08)

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
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset', datasets=[
        dict(type=dataset_type, data_root=data_root, split=split, test_mode=True,
             pipeline=test_pipeline) for split in ('val', 'test_macaque')]),
)
val_evaluator = [dict(type=name, report_volumes=True) for name in ('PSNR', 'SSIM', 'NMSE')]

test_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', test_mode=True,
                 pipeline=test_pipeline),
)
test_evaluator = [dict(type=name) for name in ('PSNR', 'SSIM', 'NMSE')]

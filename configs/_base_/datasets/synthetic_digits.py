# The synthesised simple data set of LW-KD's lightweight teacher: rendered digit
# glyphs (k-digit strings for more than 10 classes) with random affine
# transforms and noise, made on the fly from a seed (sfkd.datasets.synthetic_digits).
# num_classes must be the target data set's; train and val use different seeds.
dataset_type = 'SyntheticDigits'
num_classes = 10

train_pipeline = [dict(type='mmpretrain.PackInputs')]
test_pipeline = [dict(type='mmpretrain.PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, num_classes=num_classes, num_samples=20000, seed=0,
                 image_size=28, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, num_classes=num_classes, num_samples=2000, seed=1,
                 image_size=28, test_mode=True, pipeline=test_pipeline),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

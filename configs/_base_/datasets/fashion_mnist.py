# Fashion-MNIST (70k 28x28 grey images, 10 classes), read by mmpretrain's
# FashionMNIST (as sfkd.FashionMNIST, which parses the files once per process) from
# the IDX files that tools/setup.sh unpacks into data_root.
# Normalisation lives in each model's data_preprocessor (models/*_fmnist.py).
# The images sit in memory and a sample takes ~0.03 ms to prepare, so loader
# workers cost more (process hand-over, a core taken from the model) than they
# save: num_workers=0 trains ~1.5x faster per step on 2 cores. Set
# num_workers > 0 (and persistent_workers=True) for pipelines with costly
# transforms, and serialize_data=True with them: serialising the records lets
# the workers share them, and without workers it only costs a garbage
# collection of the whole process at every build.
dataset_type = 'sfkd.FashionMNIST'
data_root = 'data/fashion_mnist'

train_pipeline = [dict(type='mmpretrain.PackInputs')]
test_pipeline = [dict(type='mmpretrain.PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        download=False,
        serialize_data=False,
        pipeline=train_pipeline),
)

val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        download=False,
        serialize_data=False,
        pipeline=test_pipeline),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator

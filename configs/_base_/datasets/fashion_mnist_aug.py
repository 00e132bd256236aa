# Fashion-MNIST with training augmentation: a random 28x28 crop of the image
# padded by 4 pixels (zeros) and a horizontal flip with probability 0.5, through
# mmpretrain's/mmcv's transforms. Their random draws are made in
# @cache_randomness methods, so the teacher cache can record and replay them.
_base_ = ['./fashion_mnist.py']

train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=28, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

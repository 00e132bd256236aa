# The Fashion-MNIST training augmentation alone, as the variable
# fmnist_aug_pipeline (no data loaders): a random 28x28 crop of the image padded
# by 4 pixels (zeros) and a horizontal flip with probability 0.5, through
# mmpretrain's/mmcv's transforms. A config that inherits a complete method
# config adds it as a second base and sets
#   train_dataloader = dict(dataset=dict(pipeline={{_base_.fmnist_aug_pipeline}}))
# Their random draws are made in @cache_randomness methods, so the teacher cache
# can record and replay them.
fmnist_aug_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=28, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]

# A small ResNet classifier for 28x28 grey images (Fashion-MNIST).
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=10,
        # mean/std of the Fashion-MNIST training images, in 0-255 units
        mean=[72.94],
        std=[90.02]),
    backbone=dict(
        type='SmallResNet',
        in_channels=1,
        stem_channels=16,
        stage_channels=(16, 32, 64),
        num_blocks=(1, 1, 1),
        out_indices=(2, )),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

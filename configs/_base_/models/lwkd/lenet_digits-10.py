# LW-KD's lightweight teacher: a LeNet-5 style classifier (62k parameters)
# for 28x28 grey synthetic digits, 10 classes.
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=10,
        # mean/std of the rendered digits (seed 0, 2000 images), 0-255 units
        mean=[21.68],
        std=[50.76]),
    backbone=dict(type='LeNet', in_channels=1, input_size=28),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=10,
        in_channels=84,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

# LW-KD's lightweight teacher for 100 classes: a LeNet-5 style classifier for
# 32x32 grey synthetic two-digit strings (90k parameters) ('00'..'99').
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=100,
        # mean/std of the rendered strings (seed 0, 2000 images, 32x32), 0-255 units
        mean=[31.41],
        std=[62.63]),
    backbone=dict(type='LeNet', in_channels=1, input_size=32),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=100,
        in_channels=84,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

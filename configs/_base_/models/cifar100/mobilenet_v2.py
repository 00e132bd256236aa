# RepDistiller's MobileNetV2 (mobile_half: width 0.5, expansion 6; 0.81M parameters) for CIFAR-100.
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=100,
        # CIFAR-100 training-set mean/std, 0-255 units, RGB
        mean=[129.304, 124.070, 112.434],
        std=[68.170, 65.392, 70.418],
        to_rgb=False),
    backbone=dict(type='CIFARMobileNetV2', width_mult=0.5),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=100,
        in_channels=1280,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

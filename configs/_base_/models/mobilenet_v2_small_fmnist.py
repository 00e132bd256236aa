# A MobileNetV2-style student for Fashion-MNIST (27.2k parameters, 2.6 MFLOPs;
# the tiny ResNet has 19.8k and 2.4M): mmpretrain's MobileNetV2 blocks
# (inverted residuals, depthwise 3x3, linear bottlenecks) at widen_factor 0.5,
# four stages instead of seven and expansion 4, a 1-channel stride-1 stem for
# 28x28 grey images and a 64-channel final 1x1 conv (SmallInputMobileNetV2).
# Outputs for 1x28x28: conv1 16x28x28, layer1 8x28x28, layer2 16x14x14,
# layer3 16x7x7, layer4 32x7x7, conv2 64x7x7.
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=10,
        # mean/std of the Fashion-MNIST training images, in 0-255 units
        mean=[72.94],
        std=[90.02]),
    backbone=dict(
        type='SmallInputMobileNetV2',
        in_channels=1,
        stem_stride=1,
        widen_factor=0.5,
        # [expand_ratio, channels (before widen_factor), blocks, stride] per stage
        arch_settings=[[1, 16, 1, 1], [4, 24, 2, 2], [4, 32, 2, 2], [4, 64, 2, 1]],
        last_channels=64,
        out_indices=(4, )),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

# A CPU-sized distilled DeiT for Fashion-MNIST: 28x28 grey images cut into 7x7 patches of
# 4x4 pixels, a class token and a distillation token, 4 transformer layers of width 64.
# Its head (sfkd's DistillationTokenHead) trains the class token on the labels; the
# distillation token learns from a teacher through a distill loss (configs/deit/).
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=10,
        # mean/std of the Fashion-MNIST training images, in 0-255 units
        mean=[72.94],
        std=[90.02]),
    backbone=dict(
        type='mmpretrain.DistilledVisionTransformer',
        arch=dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128),
        img_size=28,
        patch_size=4,
        in_channels=1,
        drop_rate=0.0,
        drop_path_rate=0.0),
    neck=None,
    head=dict(
        type='DistillationTokenHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
)

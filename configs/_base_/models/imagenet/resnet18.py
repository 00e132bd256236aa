# torchvision-style ResNet-18 for ImageNet (mmpretrain).
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=1000,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(type='mmpretrain.ResNet', depth=18, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(type='mmpretrain.LinearClsHead', num_classes=1000, in_channels=512,
              loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)),
)

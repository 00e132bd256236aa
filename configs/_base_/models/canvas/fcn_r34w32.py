# The canvas segmentor teacher: FCN on a ResNet-34 (V1c stem) at half width,
# output stride 8 (stages 3-4 dilated), one 3x3 conv in the head; sized for the
# 64x64 Fashion-MNIST canvases (10 classes + background) on CPUs.
width = 32
model = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=dict(type='mmseg.SegDataPreProcessor', mean=[0.0] * 3, std=[255.0] * 3,
                           bgr_to_rgb=False, pad_val=0, seg_pad_val=255, size=(64, 64)),
    backbone=dict(type='mmseg.ResNetV1c', depth=34, stem_channels=width, base_channels=width,
                  num_stages=4, out_indices=(0, 1, 2, 3), strides=(1, 2, 1, 1),
                  dilations=(1, 1, 2, 4), norm_cfg=dict(type='BN'), norm_eval=False,
                  style='pytorch', contract_dilation=True),
    decode_head=dict(type='mmseg.FCNHead', in_channels=width * 8, in_index=3, channels=64,
                     num_convs=1, concat_input=False, dropout_ratio=0.1, num_classes=11,
                     norm_cfg=dict(type='BN'), align_corners=False,
                     loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False,
                                      loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

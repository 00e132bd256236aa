# The canvas detector teacher: RetinaNet, ResNet-34 at half width
# (base_channels=32), three FPN levels (strides 8, 16, 32) of 64 channels, one
# stacked conv in the head; sized for the 64x64 Fashion-MNIST canvases on CPUs.
width = 32
fpn = 64
model = dict(
    type='mmdet.RetinaNet',
    data_preprocessor=dict(type='mmdet.DetDataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3,
                           bgr_to_rgb=False, pad_size_divisor=32),
    backbone=dict(type='mmdet.ResNet', depth=34, base_channels=width, num_stages=4,
                  out_indices=(1, 2, 3), frozen_stages=-1, norm_cfg=dict(type='BN'),
                  norm_eval=False, style='pytorch'),
    neck=dict(type='mmdet.FPN', in_channels=[width * 2, width * 4, width * 8],
              out_channels=fpn, start_level=0, add_extra_convs='on_input', num_outs=3),
    bbox_head=dict(
        type='mmdet.RetinaHead', num_classes=10, in_channels=fpn, stacked_convs=1,
        feat_channels=fpn,
        anchor_generator=dict(type='mmdet.AnchorGenerator', octave_base_scale=2,
                              scales_per_octave=2, ratios=[0.5, 1.0, 2.0],
                              strides=[8, 16, 32]),
        bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                        target_stds=[1.0] * 4),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                      min_pos_iou=0, ignore_iof_thr=-1,
                      iou_calculator=dict(type='mmdet.BboxOverlaps2D')),
        sampler=dict(type='mmdet.PseudoSampler'), allowed_border=-1, pos_weight=-1,
        debug=False),
    test_cfg=dict(nms_pre=200, min_bbox_size=0, score_thr=0.05,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=20))

# Fashion-MNIST canvases for semantic segmentation (64x64, 10 classes +
# background): image and label PNGs made by tools/setup.sh
# (tools/dataset_converters/make_fashion_canvases.py), read by
# FashionCanvasSegDataset and scored by mmseg's IoUMetric (mIoU).
dataset_type = 'FashionCanvasSegDataset'
data_root = 'data/fashion_canvases/'

train_pipeline = [
    dict(type='mmseg.LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='mmseg.LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train/images', seg_map_path='train/labels'),
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=50,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val/images', seg_map_path='val/labels'),
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'],
                 data_prefix=dict(img_path='test/images', seg_map_path='test/labels')))
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

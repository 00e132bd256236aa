"""Tiny detection and segmentation batches in mmdet's and mmseg's data-sample formats."""
import torch


def det_batch(n: int = 2, size: int = 64) -> dict:
    """``n`` images of ``size``x``size`` with two boxes each (3 classes)."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    samples = []
    for i in range(n):
        sample = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size), scale_factor=(1.0, 1.0),
                                             batch_input_shape=(size, size)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[8.0, 8.0, 40.0, 40.0], [20.0 + i, 10.0, 60.0, 50.0]]),
            labels=torch.tensor([i % 3, 2]))
        samples.append(sample)
    g = torch.Generator().manual_seed(1)
    inputs = [torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
              for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def seg_batch(n: int = 2, size: int = 64, num_classes: int = 4) -> dict:
    """``n`` images of ``size``x``size`` with label maps of ``num_classes`` classes."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(2)
    samples = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, size, size), generator=g))
        samples.append(sample)
    inputs = [torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
              for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)

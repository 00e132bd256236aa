"""A synthesised simple data set: rendered digit glyphs, for LW-KD's lightweight teacher.

The images are those of :mod:`sfkd.utils.digit_images` (a number per class, in a
random font, transform and noise, all from one seed); :class:`SyntheticDigits`
renders them on the fly and :func:`write_idx` stores them as IDX files
(``tools/dataset_converters/make_synthetic_digits.py``).
"""
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from sfkd.registry import DATASETS
from sfkd.utils.digit_images import (digits_of, font_files, label_text,  # noqa: F401
                                     render_digits, render_one)
from sfkd.utils.options import number


@DATASETS.register_module()
class SyntheticDigits(BaseDataset):
    """Rendered digit strings as a classification set, made on the fly (no files).

    Each item is ``dict(img=(size, size) uint8, gt_label=int)``, as
    mmpretrain's MNIST gives, so ``mmpretrain.PackInputs`` packs it.

    Args:
        num_classes: Number of classes; set it to the target data set's.
        num_samples: Number of images.
        seed: Seed of the rendering; use different seeds for train and test.
        image_size: Image side in pixels. Defaults to 28.
        **kwargs: :class:`mmengine.dataset.BaseDataset` options
            (``pipeline``, ``indices``, ``test_mode``, ...).
    """

    def __init__(self, num_classes: int = 10, num_samples: int = 10000, seed: int = 0,
                 image_size: int = 28, **kwargs) -> None:
        self.num_classes = number(num_classes, 'dataset.num_classes', at_least=2, integer=True)
        self.num_samples = number(num_samples, 'dataset.num_samples', at_least=1, integer=True)
        self.seed = number(seed, 'dataset.seed', at_least=0, integer=True)
        self.image_size = number(image_size, 'dataset.image_size', at_least=8, integer=True)
        metainfo = dict(classes=tuple(label_text(c, self.num_classes)
                                      for c in range(self.num_classes)))
        super().__init__(ann_file='', metainfo=metainfo, serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        images, labels = render_digits(self.num_classes, self.num_samples, self.seed,
                                       self.image_size)
        return [dict(img=img, gt_label=int(y)) for img, y in zip(images, labels)]


def write_idx(images: np.ndarray, labels: np.ndarray, out_dir: str, prefix: str) -> List[str]:
    """Write ``<prefix>-images-idx3-ubyte`` and ``<prefix>-labels-idx1-ubyte`` (MNIST's format;
    labels as uint8 up to 256 classes, else int32), each via a temporary file and a rename."""
    import os
    os.makedirs(out_dir, exist_ok=True)
    wide = int(labels.max()) > 255
    parts = [(f'{prefix}-images-idx3-ubyte', 0x0803, images.astype(np.uint8), images.shape),
             (f'{prefix}-labels-idx1-ubyte', 0x0C01 if wide else 0x0801,
              labels.astype('>i4' if wide else np.uint8), labels.shape)]
    written = []
    for name, magic, data, shape in parts:
        path = f'{out_dir}/{name}'
        with open(f'{path}.tmp', 'wb') as f:
            f.write(np.array([magic, *shape], dtype='>i4').tobytes())
            f.write(data.tobytes())
        os.replace(f'{path}.tmp', path)
        written.append(path)
    return written

"""Pipeline transforms that simulate a single-coil scan of an image and pack it."""
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from sfkd.registry import TRANSFORMS
from sfkd.utils.errors import BadConfigError

from .masks import CartesianMask


@TRANSFORMS.register_module()
class SimulateKSpace(BaseTransform):
    """Fully sampled single-coil k-space of a real image: the orthonormal 2-D FFT,
    unshifted (``results['kspace']``, complex ``(H, W)``), and the image as
    ``results['target']`` (float32 ``(H, W)``). A fastMRI file gives both itself."""

    def transform(self, results: dict) -> dict:
        img = np.asarray(results['img'], dtype=np.float32)
        if img.ndim != 2:
            raise BadConfigError(f'SimulateKSpace needs one 2-D slice per sample, got an array '
                                 f'of shape {img.shape} (sample {results.get("sample_idx")})')
        results['target'] = img
        results['kspace'] = np.fft.fft2(img, norm='ortho').astype(np.complex64)
        return results


@TRANSFORMS.register_module()
class UndersampleKSpace(BaseTransform):
    """Apply a Cartesian mask to ``results['kspace']`` (and store ``results['mask']``).

    The mask of a slice is drawn from a generator seeded by ``(seed,
    volume_idx, slice_idx)``, so every slice keeps the same mask across epochs
    and runs (deterministic validation and test). ``per_epoch=True`` (for
    training only) draws a fresh mask each time instead.

    Args:
        mask: :class:`CartesianMask` arguments, e.g.
            ``dict(kind='random', acceleration=4, center_fraction=0.08)``.
        seed: Base seed of the per-slice masks.
        per_epoch: Draw a new mask every time the sample is loaded.
    """

    def __init__(self, mask: dict, seed: int = 0, per_epoch: bool = False) -> None:
        mask = dict(mask)
        mask.pop('type', None)
        self.mask = CartesianMask(**mask)
        self.seed, self.per_epoch = int(seed), per_epoch

    def transform(self, results: dict) -> dict:
        kspace = results['kspace']
        if self.per_epoch:
            rng = np.random.default_rng()
        else:
            rng = np.random.default_rng(
                [self.seed, int(results.get('volume_idx', 0)), int(results.get('slice_idx', 0))])
        mask = self.mask(kspace.shape, rng)
        results['mask'] = mask
        results['kspace'] = (kspace * mask).astype(np.complex64)
        return results


@TRANSFORMS.register_module()
class PackMRIInputs(BaseTransform):
    """``inputs`` = packed ``(3, H, W)`` (real and imaginary measured k-space,
    mask), ``data_samples`` = a data element with ``gt_img`` ``(1, H, W)``,
    ``mask`` and the slice's ``volume``, ``volume_idx``, ``slice_idx`` and
    ``sample_idx`` metainfo."""

    META = ('volume', 'volume_idx', 'slice_idx', 'sample_idx')

    def transform(self, results: dict) -> dict:
        kspace = torch.from_numpy(np.ascontiguousarray(results['kspace']))
        mask = torch.broadcast_to(torch.from_numpy(np.asarray(results['mask'])), kspace.shape)
        inputs = torch.stack([kspace.real, kspace.imag, mask.float()]).float()
        sample = BaseDataElement(metainfo={k: results[k] for k in self.META if k in results})
        target: Optional[np.ndarray] = results.get('target')
        if target is not None:
            sample.gt_img = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float32))[None]
        return dict(inputs=inputs, data_samples=sample)


def refuse_full_sampling_in_training(dataset) -> None:
    """Refuse a training set (not ``test_mode``) whose pipeline measures every k-space
    line (acceleration 1): the input is then the target itself, so nothing is learnt and
    any model scores perfectly."""
    if dataset.test_mode:
        return
    for transform in dataset.pipeline.transforms:
        if isinstance(transform, UndersampleKSpace) and transform.mask.acceleration <= 1:
            raise BadConfigError(
                f'{type(dataset).__name__}: UndersampleKSpace acceleration '
                f'{transform.mask.acceleration:g} in a training pipeline measures every '
                'k-space line, so the input is the target itself: nothing is learnt (the loss '
                'starts near 0) and any model scores perfectly; train at an acceleration '
                'above 1 (the MRI configs use 4 or 5)')

"""fastMRI single-coil HDF5 volumes as an MMEngine dataset of slices.

Zbontar et al., "fastMRI: An Open Dataset and Benchmarks for Accelerated
MRI", arXiv:1811.08839. Each file holds ``kspace`` ``(slices, H, W)``
complex64, centred (the DC term in the middle), and ``reconstruction_esc``
``(slices, 320, 320)`` float32, the magnitude of the centre-cropped inverse
FFT, which is the target.
"""
import glob
import os.path as osp
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError


def centred_ifft2(kspace: np.ndarray) -> np.ndarray:
    """Image of centred k-space ``(..., H, W)``: fftshift(IFFT(ifftshift(k))), orthonormal."""
    axes = (-2, -1)
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=axes), norm='ortho'),
                           axes=axes)


@DATASETS.register_module()
class FastMRISingleCoil(BaseDataset):
    """Every slice of every ``*.h5`` file under ``data_root/data_prefix``.

    The DC-CNN models here are real-valued, so an item's ``img`` is the
    ``target_key`` image of the slice (``reconstruction_esc``), from which the
    pipeline simulates single-coil k-space and the mask (``SimulateKSpace``,
    ``UndersampleKSpace``), as with the T1 slices; the file's own ``kspace``
    is only checked for its slice count. Items carry ``volume`` (the file
    name), ``volume_idx`` and ``slice_idx``.

    Args:
        data_root: Root of the data set.
        data_prefix: ``dict(img_path='singlecoil_val')``: the folder of the files.
        target_key: The target image dataset in each file.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task='single-coil MRI reconstruction')

    def __init__(self, data_root: str = 'data/fastmri', data_prefix: dict = None,
                 target_key: str = 'reconstruction_esc', **kwargs) -> None:
        self.target_key = target_key
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path=''),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        import h5py
        folder = self.data_prefix.get('img_path', self.data_root)
        files = sorted(glob.glob(osp.join(folder, '*.h5')))
        if not files:
            raise FileNotFoundError(f'no fastMRI .h5 files in {folder!r}; point data_root and '
                                    "data_prefix=dict(img_path='singlecoil_val') at the folder "
                                    'that holds them')
        items = []
        for v, path in enumerate(files):
            with h5py.File(path, 'r') as f:
                for key in ('kspace', self.target_key):
                    if key not in f:
                        raise BadConfigError(f'{path} has no {key!r} dataset (keys: '
                                             f'{sorted(f.keys())}); it is not a fastMRI '
                                             'single-coil file, or set target_key')
                target = np.asarray(f[self.target_key], dtype=np.float32)
                n_k = f['kspace'].shape[0]
            if target.ndim != 3 or target.shape[0] != n_k:
                raise BadConfigError(f'{path}: {self.target_key} must be (slices, H, W) with '
                                     f'as many slices as kspace ({n_k}), got {target.shape}')
            name = osp.splitext(osp.basename(path))[0]
            items.extend(dict(img=img, volume=name, volume_idx=v, slice_idx=s)
                         for s, img in enumerate(target))
        return items

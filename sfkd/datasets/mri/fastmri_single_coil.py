"""fastMRI single-coil HDF5 volumes as an MMEngine dataset of slices.

Zbontar et al., "fastMRI: An Open Dataset and Benchmarks for Accelerated
MRI", arXiv:1811.08839. Each file holds ``kspace`` ``(slices, H, W)``
complex64, centred (the DC term in the middle), and ``reconstruction_esc``
``(slices, 320, 320)`` float32, the magnitude of the centre-cropped inverse
FFT, which is the target.
"""
import numpy as np

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from .h5_volumes import H5Volumes


def centred_ifft2(kspace: np.ndarray) -> np.ndarray:
    """Image of centred k-space ``(..., H, W)``: fftshift(IFFT(ifftshift(k))), orthonormal."""
    axes = (-2, -1)
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=axes), norm='ortho'),
                           axes=axes)


@DATASETS.register_module()
class FastMRISingleCoil(H5Volumes):
    """Every slice of every fastMRI single-coil file in ``data_prefix['img_path']``.

    An item's ``img`` is the slice's ``reconstruction_esc`` target (the DC-CNN
    models are real-valued); the pipeline simulates single-coil k-space and the
    mask from it, as for the other MRI sets. The file's own ``kspace`` (centred;
    :func:`centred_ifft2` inverts it) must be there with as many slices.

    Args:
        data_root: Root of the data set.
        data_prefix: ``dict(img_path='singlecoil_val')``.
        target_key: The target dataset of each file.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self, data_root: str = 'data/fastmri', data_prefix: dict = None,
                 target_key: str = 'reconstruction_esc', **kwargs) -> None:
        super().__init__(data_root=data_root, data_prefix=data_prefix, image_key=target_key,
                         **kwargs)

    def check_file(self, f, path: str, images: np.ndarray) -> None:
        if 'kspace' not in f:
            raise BadConfigError(f'{path} has no \'kspace\' dataset (keys: {sorted(f.keys())}); '
                                 'it is not a fastMRI single-coil file')
        if f['kspace'].shape[0] != images.shape[0]:
            raise BadConfigError(f'{path}: {self.image_key} has {images.shape[0]} slices but '
                                 f'kspace {f["kspace"].shape[0]}')

"""The fastMRI single-coil reader, on a tiny file it writes in fastMRI's layout."""
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from sfkd.datasets.mri import centred_ifft2
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

h5py = pytest.importorskip('h5py')


def _write(path, images):
    """fastMRI single-coil layout: centred k-space and the magnitude target."""
    kspace = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(images, axes=(-2, -1)), norm='ortho'),
                             axes=(-2, -1)).astype(np.complex64)
    with h5py.File(path, 'w') as f:
        f.create_dataset('kspace', data=kspace)
        f.create_dataset('reconstruction_esc', data=np.abs(images).astype(np.float32))
        f.attrs['acquisition'] = 'CORPD_FBK'


def test_reads_every_slice_of_every_file(tmp_path):
    rng = np.random.default_rng(0)
    vols = [rng.random((2, 16, 16)).astype(np.float32), rng.random((3, 16, 16)).astype(np.float32)]
    for i, v in enumerate(vols):
        _write(str(tmp_path / f'file{i}.h5'), v)
    from sfkd.registry import DATASETS
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(dict(
            type='FastMRISingleCoil', data_root=str(tmp_path),
            pipeline=[dict(type='SimulateKSpace'),
                      dict(type='UndersampleKSpace', mask=dict(acceleration=4)),
                      dict(type='PackMRIInputs')]))
    assert len(ds) == 5
    item = ds[3]
    assert item['data_samples'].volume == 'file1' and item['data_samples'].slice_idx == 1
    assert np.allclose(item['data_samples'].gt_img[0].numpy(), vols[1][1])
    with h5py.File(str(tmp_path / 'file0.h5')) as f:  # the layout's k-space is centred
        assert np.allclose(centred_ifft2(f['kspace'][1]).real, vols[0][1], atol=1e-5)


def test_a_file_without_the_target_is_refused(tmp_path):
    with h5py.File(str(tmp_path / 'bad.h5'), 'w') as f:
        f.create_dataset('kspace', data=np.zeros((1, 4, 4), np.complex64))
    from sfkd.datasets.mri import FastMRISingleCoil
    with pytest.raises(BadConfigError, match=r"bad.h5 has no 'reconstruction_esc' dataset.*"
                                             'set image_key'):
        FastMRISingleCoil(data_root=str(tmp_path))


def test_h5_volumes_of_images(tmp_path):
    rng = np.random.default_rng(1)
    with h5py.File(str(tmp_path / 'subject1.h5'), 'w') as f:
        f.create_dataset('image', data=rng.random((3, 12, 12)).astype(np.float32))
    from sfkd.datasets.mri import H5Volumes
    ds = H5Volumes(data_root=str(tmp_path), lazy_init=False)
    assert len(ds) == 3 and ds.get_data_info(2)['volume'] == 'subject1'
    with h5py.File(str(tmp_path / 'subject2.h5'), 'w') as f:
        f.create_dataset('image', data=np.zeros((12, 12), np.float32))
    with pytest.raises(BadConfigError, match=r'subject2.h5: image must be a volume \(slices, H, '
                                             r'W\), got shape \(12, 12\)'):
        H5Volumes(data_root=str(tmp_path))

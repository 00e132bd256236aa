"""The mricron-data T1 slices: slab splits with gaps, idempotence, the dataset, errors."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import DefaultScope

from sfkd.datasets.mri.t1_slices import PATTERN, load_volume, prepare_mri_t1, slab_splits
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration


def test_splits_are_slabs_of_one_human_volume_with_gaps(mri_root):
    meta = json.load(open(osp.join(mri_root, 'meta.json')))
    assert meta['volumes'] == dict(train='ch2.nii.gz', val='ch2.nii.gz', test='ch2.nii.gz',
                                   test_macaque='inia19-t1-brain.nii.gz')
    human = {s: set(meta['slices'][s]) for s in ('train', 'val', 'test')}
    assert all(human.values())
    for a in human:
        for b in human:
            if a != b:  # no two slices of different splits are closer than the gap
                assert min(abs(i - j) for i in human[a] for j in human[b]) > 3, (a, b)
    images = np.load(osp.join(mri_root, 'train.npz'))['images']
    assert images.shape[1:] == (32, 32) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1


def test_slab_pattern_by_hand():
    out = slab_splits(0, 20, slab=4, gap=1, pattern=('train', 'val', 'train', 'test'))
    assert out == dict(train=[0, 1, 2, 3, 9, 10, 11, 17, 18, 19], val=[5, 6, 7],
                       test=[13, 14, 15])
    assert PATTERN.count('test') == PATTERN.count('val') == 1


def test_preparing_again_does_nothing(mri_root):
    stamp = os.stat(osp.join(mri_root, 'train.npz')).st_mtime_ns
    assert prepare_mri_t1(mri_root, size=32) is False
    assert os.stat(osp.join(mri_root, 'train.npz')).st_mtime_ns == stamp


def test_a_volume_that_is_not_3d_is_refused(tmp_path):
    import nibabel as nib
    path = str(tmp_path / 'series.nii.gz')
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 4, 2), np.float32), np.eye(4)), path)
    with pytest.raises(ValueError, match=r'series.nii.gz holds a 4-D array of shape '
                                         r'\(4, 4, 4, 2\), not a 3-D volume'):
        load_volume(path)


def test_dataset_simulates_the_scan_and_takes_indices(mri_root):
    from sfkd.registry import DATASETS
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(dict(
            type='MRIT1Slices', data_root=mri_root, split='test_macaque', indices=3,
            pipeline=[dict(type='SimulateKSpace'),
                      dict(type='UndersampleKSpace', mask=dict(acceleration=4)),
                      dict(type='PackMRIInputs')]))
    assert len(ds) == 3
    item = ds[0]
    inputs, sample = item['inputs'], item['data_samples']
    assert inputs.shape == (3, 32, 32) and sample.volume == 'inia19-t1-brain'
    gt = sample.gt_img[0].numpy()
    mask = inputs[2].numpy()
    expected = np.fft.fft2(gt, norm='ortho') * mask
    assert np.allclose(inputs[0].numpy() + 1j * inputs[1].numpy(), expected, atol=1e-5)
    assert mask[0].sum() == 8  # 32 columns at 4x
    with pytest.raises(BadConfigError, match='split must be one of'):
        DATASETS.build(dict(type='MRIT1Slices', data_root=mri_root, split='training'))
    with pytest.raises(FileNotFoundError, match=f'not found: prepare the slices with '
                       f'`sfkd-prepare-data mri-t1 --out {mri_root}_missing`$'):
        DATASETS.build(dict(type='MRIT1Slices', data_root=mri_root + '_missing'))


def test_training_at_acceleration_one_is_refused_testing_is_not(mri_root):
    from sfkd.registry import DATASETS
    cfg = dict(type='MRIT1Slices', data_root=mri_root, split='train', indices=2,
               pipeline=[dict(type='SimulateKSpace'),
                         dict(type='UndersampleKSpace', mask=dict(acceleration=1)),
                         dict(type='PackMRIInputs')])
    with DefaultScope.overwrite_default_scope('sfkd'):
        with pytest.raises(BadConfigError) as err:
            DATASETS.build(cfg)
        assert str(err.value) == (
            'MRIT1Slices: UndersampleKSpace acceleration 1 in a training pipeline measures '
            'every k-space line, so the input is the target itself: nothing is learnt (the '
            'loss starts near 0) and any model scores perfectly; train at an acceleration '
            'above 1 (the MRI configs use 4 or 5)')
        # a fully sampled test set is a legitimate reference (zero-filled = target)
        assert len(DATASETS.build(dict(cfg, test_mode=True))) == 2
        cfg['pipeline'][1]['mask']['acceleration'] = 4
        assert len(DATASETS.build(cfg)) == 2


def test_converter_command_line(tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    from sfkd_testing import ROOT
    out = str(tmp_path / 'mri_t1')
    script = osp.join(ROOT, 'tools/dataset_converters/prepare_mri_t1.py')
    for state in ('written', 'up to date'):
        monkeypatch.setattr(sys, 'argv', [script, '--out', out, '--size', '16'])
        runpy.run_path(script, run_name='__main__')
        assert f'{out}: {state}' in capsys.readouterr().out
    assert np.load(osp.join(out, 'val.npz'))['images'].shape[1:] == (16, 16)

"""An evaluation set that shares subjects or slices with the training set is refused,
by ids alone, through dataset wrappers, before a run scores it."""
import h5py
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from sfkd.datasets.split_overlap import check_split_overlap, pick
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration


def t1(root, split, **kw):
    return dict(type='MRIT1Slices', data_root=root, split=split, **kw)


def check(train, loader, dataset):
    cfg = Config(dict(train_dataloader=dict(dataset=train), **{loader: dict(dataset=dataset)}))
    with DefaultScope.overwrite_default_scope('sfkd'):
        check_split_overlap(cfg, loader)


def test_pick_follows_the_indices_of_mmengine():
    ids = ['a', 'a', 'b', 'c']
    assert pick(ids, None) == ('a', 'b', 'c')
    assert pick(ids, 2) == ('a', )
    assert pick(ids, -1) == ('c', )
    assert pick(ids, [3, 0]) == ('c', 'a')


def test_t1_test_set_of_the_training_split_is_refused(mri_root):
    with pytest.raises(BadConfigError) as err:
        check(t1(mri_root, 'train'), 'test_dataloader', t1(mri_root, 'train', indices=5))
    first = int(np.load(f'{mri_root}/train.npz')['slices'][0])
    assert str(err.value) == (
        f"test_dataloader.dataset (split 'train' of {mri_root}) shares 5 of its 5 slices with "
        f"train_dataloader.dataset (split 'train' of {mri_root}; first: ch2 slice {first}), so "
        'its metrics would score data the model was trained on; set test_dataloader.dataset.'
        "split to a split of its own ('val', 'test' or 'test_macaque'; the training set is "
        "'train')")


def test_t1_splits_of_their_own_and_disjoint_indices_pass(mri_root):
    for split in ('val', 'test', 'test_macaque'):
        check(t1(mri_root, 'train'), 'test_dataloader', t1(mri_root, split))
    # the training split's first 4 slices for training, 2 others for testing
    check(t1(mri_root, 'train', indices=4), 'test_dataloader',
          t1(mri_root, 'train', indices=[10, 11]))


def test_wrapped_validation_set_is_named_by_its_key(mri_root):
    val = dict(type='ConcatDataset', datasets=[t1(mri_root, 'val'), t1(mri_root, 'train')])
    with pytest.raises(BadConfigError, match=r'^val_dataloader.dataset.datasets.1 \(split '
                                             r"'train' of .*\) shares \d+ of its \d+ slices"):
        check(dict(type='RepeatDataset', times=2, dataset=t1(mri_root, 'train')),
              'val_dataloader', val)


def test_t1_ids_are_read_without_the_images(mri_root, monkeypatch):
    """Only the file's slice indices are read (np.load of 'images' fails here)."""
    load = np.load

    class SlicesOnly:
        def __init__(self, path):
            self.data = load(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.data.close()

        def __getitem__(self, key):
            assert key == 'slices', f'{key} was read'
            return self.data[key]
    monkeypatch.setattr(np, 'load', SlicesOnly)
    check(t1(mri_root, 'train'), 'test_dataloader', t1(mri_root, 'test'))


def h5_folder(path, subjects, slices=3):
    path.mkdir(parents=True)
    for name in subjects:
        with h5py.File(path / f'{name}.h5', 'w') as f:
            f['image'] = np.zeros((slices, 8, 8), np.float32)
    return dict(type='H5Volumes', data_root=str(path.parent), data_prefix=dict(img_path=path.name))


def test_h5_subject_in_both_folders_is_refused(tmp_path):
    train = h5_folder(tmp_path / 'train', ['s01', 's02', 's03'])
    test = h5_folder(tmp_path / 'test', ['s03', 's04'])
    with pytest.raises(BadConfigError) as err:
        check(train, 'test_dataloader', test)
    assert str(err.value) == (
        f'test_dataloader.dataset (folder {tmp_path}/test) shares 1 of its 2 subjects with '
        f'train_dataloader.dataset (folder {tmp_path}/train; first: s03), so its metrics would '
        'score data the model was trained on; point test_dataloader.dataset.data_prefix.'
        'img_path at a folder of other subjects (one .h5 file per subject)')
    # indices keep slices: the first 6 slices of training are those of s01 and s02 only
    check(dict(train, indices=6), 'test_dataloader', test)
    with pytest.raises(BadConfigError, match='shares 1 of its 2 subjects'):
        check(dict(train, indices=7), 'test_dataloader', test)


def test_h5_folders_of_other_subjects_and_missing_files_pass(tmp_path):
    train = h5_folder(tmp_path / 'train', ['s01', 's02'])
    check(train, 'test_dataloader', h5_folder(tmp_path / 'test', ['s03']))
    # a training folder that is not there (a test run without the training data)
    check(dict(train, data_prefix=dict(img_path='absent')), 'test_dataloader',
          dict(train, data_prefix=dict(img_path='train')))


def test_other_dataset_types_are_not_compared(fmnist_root):
    fm = dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root, split='train')
    check(fm, 'test_dataloader', fm)


MRI_CFG = 'configs/mri/dc-cnn-d3c5_4x_mri-t1.py'


def roots(mri_root):
    return [f'train_dataloader.dataset.data_root={mri_root}',
            f'val_dataloader.dataset.datasets.0.data_root={mri_root}',
            f'val_dataloader.dataset.datasets.1.data_root={mri_root}',
            f'test_dataloader.dataset.data_root={mri_root}']


def test_training_and_testing_refuse_before_scoring(mri_root, tmp_path):
    """Both commands pass through SfkdRunner, which checks the set it will score."""
    import os
    import os.path as osp

    import torch
    from sfkd_testing import ROOT

    from sfkd.registry import MODELS
    from sfkd.tools import test as test_tool
    from sfkd.tools import train as train_tool
    cfg = osp.join(ROOT, MRI_CFG)
    work_dir = str(tmp_path / 'work')
    with pytest.raises(SystemExit, match=r"^sfkd: error: val_dataloader.dataset.datasets.0 "
                                         r"\(split 'train' of .*\) shares 2 of its \d+ slices"):
        train_tool.run([cfg, '--work-dir', work_dir, '--cfg-options', *roots(mri_root),
                        'train_dataloader.dataset.indices=2',
                        'val_dataloader.dataset.datasets.0.split=train'])
    assert not [n for n in os.listdir(work_dir) if n.endswith('.pth')]
    with DefaultScope.overwrite_default_scope('sfkd'):
        model = MODELS.build(Config.fromfile(cfg).model.to_dict())
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'model.pth')
    with pytest.raises(SystemExit, match=r"^sfkd: error: test_dataloader.dataset \(split "
                                         r"'train' of .*\) shares 3 of its 3 slices"):
        test_tool.run([cfg, str(tmp_path / 'model.pth'), '--work-dir', work_dir,
                       '--cfg-options', *roots(mri_root), 'test_dataloader.dataset.split=train',
                       'test_dataloader.dataset.indices=3'])
    assert not osp.exists(osp.join(work_dir, 'test_metrics.json'))

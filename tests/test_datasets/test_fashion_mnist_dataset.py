"""sfkd.FashionMNIST gives mmpretrain's records, parsing the files once per process."""
import os
import shutil

import numpy as np
import pytest
from mmengine import DefaultScope
from mmpretrain.datasets import FashionMNIST as MMPretrainFashionMNIST

from sfkd.datasets import fashion_mnist_dataset
from sfkd.registry import DATASETS

pytestmark = pytest.mark.integration


def build(kind: str, root: str, split: str, **kwargs):
    with DefaultScope.overwrite_default_scope('sfkd'):
        return DATASETS.build(dict(type=kind, data_root=root, split=split,
                                   test_mode=split == 'test', download=False, pipeline=[],
                                   **kwargs))


@pytest.fixture
def parses(monkeypatch):
    """Count mmpretrain's parsing of the IDX files, starting from an empty store."""
    monkeypatch.setattr(fashion_mnist_dataset, '_parsed', type(fashion_mnist_dataset._parsed)())
    calls = []
    original = MMPretrainFashionMNIST.load_data_list

    def counted(self):
        calls.append(self.split)
        return original(self)
    monkeypatch.setattr(MMPretrainFashionMNIST, 'load_data_list', counted)
    return calls


def test_records_are_mmpretrains_and_the_files_are_parsed_once(fmnist_root, parses):
    theirs = build('mmpretrain.FashionMNIST', fmnist_root, 'test', indices=300)
    assert parses == ['test']
    first = build('sfkd.FashionMNIST', fmnist_root, 'test', indices=300)
    again = build('sfkd.FashionMNIST', fmnist_root, 'test', indices=300, serialize_data=False)
    assert parses == ['test', 'test']  # mmpretrain's build, then sfkd's first one only
    assert type(first).__name__ == 'FashionMNIST' and first.metainfo == theirs.metainfo
    for ds in (first, again):
        assert len(ds) == len(theirs) == 300
        for i in (0, 1, 299):
            mine, ref = ds.get_data_info(i), theirs.get_data_info(i)
            assert sorted(mine) == sorted(ref)
            for key in ('img', 'gt_label'):
                assert mine[key].dtype == ref[key].dtype and mine[key].shape == ref[key].shape
                np.testing.assert_array_equal(mine[key], ref[key])
    # a build's records are its own: changing one changes no other build's
    again.get_data_info(0)['img'][:] = 0
    again.data_list[0]['gt_label'] = None
    assert build('sfkd.FashionMNIST', fmnist_root, 'test', indices=1,
                 serialize_data=False).data_list[0]['gt_label'] is not None
    assert first.get_data_info(0)['img'].any()


def test_a_file_prepared_again_is_parsed_again(fmnist_root, tmp_path, parses):
    root = tmp_path / 'fm'
    root.mkdir()
    for name in os.listdir(fmnist_root):  # the test split's files copied, the others linked
        if name.startswith('t10k'):
            shutil.copy(os.path.join(fmnist_root, name), root / name)
        else:
            (root / name).symlink_to(os.path.join(fmnist_root, name))
    build('sfkd.FashionMNIST', str(root), 'test', indices=2)
    labels = root / 't10k-labels-idx1-ubyte'
    stat = labels.stat()
    os.utime(labels, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    build('sfkd.FashionMNIST', str(root), 'test', indices=2)
    assert parses == ['test', 'test']


def test_missing_files_give_mmpretrains_message(tmp_path, parses):
    with pytest.raises(RuntimeError, match='Cannot find FashionMNIST'):
        build('sfkd.FashionMNIST', str(tmp_path), 'train')
    assert os.listdir(tmp_path) == []

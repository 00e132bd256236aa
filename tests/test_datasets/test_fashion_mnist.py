"""Fashion-MNIST is prepared from the Debian package and read by mmpretrain's class."""
import gzip
import os
import os.path as osp

import numpy as np
import pytest
from mmengine import DefaultScope

from sfkd.datasets.fashion_mnist import DEBIAN_DIR, FILES, prepare_fashion_mnist
from sfkd.registry import DATASETS

pytestmark = pytest.mark.integration


def test_prepare_unpacks_once(tmp_path):
    out = tmp_path / 'fm'
    written = prepare_fashion_mnist(str(out))
    assert sorted(written) == sorted(n[:-3] for n in FILES)
    with gzip.open(osp.join(DEBIAN_DIR, 'train-labels-idx1-ubyte.gz')) as f:
        assert (out / 'train-labels-idx1-ubyte').read_bytes() == f.read()
    assert prepare_fashion_mnist(str(out)) == []  # idempotent


def test_prepare_missing_source(tmp_path):
    with pytest.raises(FileNotFoundError, match='apt-get install dataset-fashion-mnist'):
        prepare_fashion_mnist(str(tmp_path / 'out'), src_dir=str(tmp_path / 'nowhere'))


def test_prepare_rejects_corrupt_file(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    for name in FILES:
        with gzip.open(src / name, 'wb') as f:
            f.write(b'\x00' * 16)
    with pytest.raises(ValueError, match='corrupt'):
        prepare_fashion_mnist(str(tmp_path / 'out'), src_dir=str(src))
    assert not any(p.name.endswith('.part') for p in (tmp_path / 'out').iterdir())


def test_real_dataset_class_reads_subset(fmnist_root):
    with DefaultScope.overwrite_default_scope('sfkd'):
        train = DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root,
                                    split='train', download=False, indices=512, pipeline=[]))
        test = DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=fmnist_root,
                                   split='test', test_mode=True, download=False, pipeline=[]))
    assert len(train) == 512 and len(test) == 10000
    item = train[0]
    assert item['img'].shape == (28, 28) and item['img'].dtype == np.uint8
    labels = {int(train[i]['gt_label']) for i in range(len(train))}
    assert labels == set(range(10))
    assert train.metainfo['classes'][0] == 'T-shirt/top'


def test_missing_data_root_does_not_download(tmp_path):
    with DefaultScope.overwrite_default_scope('sfkd'):
        with pytest.raises(RuntimeError, match='Cannot find FashionMNIST'):
            DATASETS.build(dict(type='mmpretrain.FashionMNIST', data_root=str(tmp_path),
                                split='train', download=False, pipeline=[]))
    assert os.listdir(tmp_path) == []


def _read_idx_in_a_fresh_process(fmnist_root, first=''):
    """stderr of a process that reads the test images through mmpretrain's IDX reader
    (torch warns once per process, so each case needs its own)."""
    import subprocess
    import sys
    code = (f'{first}\nfrom mmpretrain.datasets.mnist import read_image_file\n'
            f'read_image_file({os.path.join(fmnist_root, "t10k-images-idx3-ubyte")!r})\n')
    return subprocess.run([sys.executable, '-W', 'default', '-c', code], capture_output=True,
                          text=True, check=True).stderr


def test_the_idx_readers_non_writable_array_warning_is_silenced_by_sfkd(fmnist_root):
    # mmpretrain alone warns (so this test can fail) ...
    assert 'The given NumPy array is not writable' in _read_idx_in_a_fresh_process(fmnist_root)
    # ... and not once sfkd's datasets are imported (tools/train.py imports them)
    assert 'not writable' not in _read_idx_in_a_fresh_process(fmnist_root, 'import sfkd.datasets')

"""IDX files are checked against their headers; a truncated one is named and unpacked again."""
import os.path as osp
import shutil
import struct

import pytest

from sfkd.datasets.fashion_mnist import DEBIAN_DIR, prepare_fashion_mnist
from sfkd.datasets.idx_files import check_idx_files, idx_problem
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def idx(path, dims, payload_bytes):
    with open(path, 'wb') as f:
        f.write(bytes([0, 0, 0x08, len(dims)]) + struct.pack(f'>{len(dims)}i', *dims))
        f.write(b'\x01' * payload_bytes)
    return str(path)


def test_sizes_are_checked_against_the_header(tmp_path):
    assert idx_problem(idx(tmp_path / 'ok-idx3-ubyte', (2, 3, 3), 18)) is None
    assert idx_problem(idx(tmp_path / 'short-idx3-ubyte', (2, 3, 3), 10)) == \
        'is truncated: 26 bytes, its header (2, 3, 3) needs 34'
    assert idx_problem(idx(tmp_path / 'long-idx1-ubyte', (4, ), 5)) == \
        'is longer than its header says: 13 bytes, its header (4,) needs 12'
    (tmp_path / 'text-idx1-ubyte').write_text('hello')
    assert idx_problem(str(tmp_path / 'text-idx1-ubyte')) == 'has no IDX header'


def test_data_root_check_names_the_file(tmp_path):
    idx(tmp_path / 'train-labels-idx1-ubyte', (10, ), 3)
    with pytest.raises(BadConfigError, match=r"^train_dataloader.dataset.data_root '.*': "
                       r'train-labels-idx1-ubyte is truncated: 11 bytes, its header \(10,\) '
                       r'needs 18; unpack it again with sfkd-prepare-data fashion-mnist '
                       r'--out .*$'):
        check_idx_files(str(tmp_path), 'train_dataloader.dataset.data_root')


@pytest.mark.skipif(not osp.isdir(DEBIAN_DIR), reason='dataset-fashion-mnist is not installed')
def test_prepare_unpacks_a_truncated_file_again(tmp_path):
    out = tmp_path / 'fm'
    prepare_fashion_mnist(str(out))
    good = (out / 'train-labels-idx1-ubyte').read_bytes()
    (out / 'train-labels-idx1-ubyte').write_bytes(good[:1000])
    assert prepare_fashion_mnist(str(out)) == ['train-labels-idx1-ubyte']
    assert (out / 'train-labels-idx1-ubyte').read_bytes() == good
    shutil.rmtree(out)


FMNIST_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
                't10k-labels-idx1-ubyte')


def test_the_mnist_family_reads_four_files_other_types_none():
    from sfkd.datasets.idx_files import required_idx_files
    assert required_idx_files('mmpretrain.FashionMNIST') == ('FashionMNIST', FMNIST_FILES)
    assert required_idx_files('mmpretrain.MNIST') == ('MNIST', FMNIST_FILES)
    assert required_idx_files('FashionCanvasSegDataset') == ('', ())
    assert required_idx_files('mmpretrain.NoSuchSet') == ('', ())


def fmnist_cfg(root, **train):
    """The Fashion-MNIST base config with its training set read from ``root``."""
    from mmengine.config import Config
    from sfkd_testing import FMNIST_ROOT, ROOT
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets', 'fashion_mnist.py'))
    cfg.val_dataloader.dataset.data_root = FMNIST_ROOT
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_dataloader.dataset.update(data_root=str(root), **train)
    return cfg


def test_folder_without_the_idx_files_is_named_with_the_fix(tmp_path):
    from sfkd.datasets.data_roots import resolve_data_roots
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(fmnist_cfg(tmp_path))
    assert str(err.value) == (
        f"train_dataloader.dataset.data_root '{tmp_path}' lacks 4 of the 4 FashionMNIST IDX "
        'files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, '
        't10k-labels-idx1-ubyte); unpack them there with sfkd-prepare-data fashion-mnist '
        f'--out {tmp_path}, or set it with '
        '--cfg-options train_dataloader.dataset.data_root=PATH')


def test_one_missing_file_is_named_and_download_true_is_left_to_download(tmp_path):
    from sfkd.datasets.data_roots import resolve_data_roots
    for name in FMNIST_FILES[:3]:
        idx(tmp_path / name, (1, ) if 'labels' in name else (1, 2, 2), 1 if 'labels' in name
            else 4)
    with pytest.raises(BadConfigError, match=r"lacks 1 of the 4 FashionMNIST IDX files "
                                             r'\(t10k-labels-idx1-ubyte\); unpack'):
        resolve_data_roots(fmnist_cfg(tmp_path))
    resolve_data_roots(fmnist_cfg(tmp_path, download=True))  # mmpretrain fetches them

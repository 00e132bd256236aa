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
                       r'needs 18; unpack it again with python tools/dataset_converters/'
                       r'prepare_fashion_mnist.py --out '):
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

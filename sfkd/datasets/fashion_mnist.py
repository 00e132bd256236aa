"""Prepare Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package.

``mmpretrain.datasets.FashionMNIST`` reads the four un-gzipped IDX files from
its ``data_root`` (and would try to download them otherwise). This module
unpacks the Debian package's files there and checks each IDX header (magic
number, item count and image size) before it is used.
"""
import gzip
import os
import os.path as osp
import shutil
import struct
from typing import List, Tuple

from .idx_files import idx_problem

DEBIAN_DIR = '/usr/share/datasets/fashion-mnist'
# name of the gzipped file -> expected IDX header: (magic, dims...)
FILES = {
    'train-images-idx3-ubyte.gz': (2051, 60000, 28, 28),
    'train-labels-idx1-ubyte.gz': (2049, 60000),
    't10k-images-idx3-ubyte.gz': (2051, 10000, 28, 28),
    't10k-labels-idx1-ubyte.gz': (2049, 10000),
}


def _idx_header(path: str, n_ints: int) -> Tuple[int, ...]:
    with gzip.open(path, 'rb') as f:
        return struct.unpack(f'>{n_ints}i', f.read(4 * n_ints))


def prepare_fashion_mnist(out_dir: str, src_dir: str = DEBIAN_DIR) -> List[str]:
    """Unpack the IDX files into ``out_dir``; skip files already unpacked.

    Args:
        out_dir: Destination, used as ``data_root`` in configs.
        src_dir: Folder holding the four ``.gz`` files.

    Returns:
        The names of the files unpacked by this call (empty when up to date).

    Raises:
        FileNotFoundError: A source file is missing.
        ValueError: A source file is not the expected IDX file.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for gz_name, header in FILES.items():
        target = osp.join(out_dir, gz_name[:-3])
        if osp.isfile(target) and idx_problem(target) is None:
            continue  # up to date (a truncated file is unpacked again)
        src = osp.join(src_dir, gz_name)
        if not osp.isfile(src):
            raise FileNotFoundError(
                f'{src} not found: install the Debian package with '
                '`apt-get install dataset-fashion-mnist`, or pass --src to a folder holding '
                'the four Fashion-MNIST .gz files')
        found = _idx_header(src, len(header))
        if found != header:
            raise ValueError(f'{src} has IDX header {found}, expected {header}; '
                             'the file is corrupt: reinstall dataset-fashion-mnist')
        tmp = target + '.part'
        with gzip.open(src, 'rb') as fin, open(tmp, 'wb') as fout:
            shutil.copyfileobj(fin, fout)
        os.replace(tmp, target)  # atomic: a killed run never leaves a half file
        written.append(osp.basename(target))
    return written


def fashion_mnist_batch(data_root: str, batch_size: int, split: str = 'train') -> dict:
    """The first ``batch_size`` real images as a data batch (``inputs``, ``data_samples``).

    Read through ``mmpretrain.datasets.FashionMNIST`` with ``PackInputs``, i.e.
    exactly what a dataloader gives a model's ``train_step``; used by the
    benchmarks.
    """
    from mmpretrain.datasets import FashionMNIST
    from mmpretrain.datasets.transforms import PackInputs
    ds = FashionMNIST(data_root=data_root, split=split, test_mode=split == 'test',
                      download=False, indices=batch_size, pipeline=[PackInputs()])
    items = [ds[i] for i in range(len(ds))]
    return dict(inputs=[it['inputs'] for it in items],
                data_samples=[it['data_samples'] for it in items])

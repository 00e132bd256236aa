"""Check IDX files (MNIST, Fashion-MNIST) against their own headers.

A truncated or corrupt IDX file otherwise fails deep inside the dataset's
reader with an error that does not name the file, and a ``data_root`` that
holds no IDX files at all fails with mmpretrain's advice to download them,
which does not help offline.
"""
import glob
import os.path as osp
import struct
import sys
from typing import Optional, Sequence, Tuple

from sfkd.utils.errors import BadConfigError

# IDX type code -> bytes per item
ITEM_SIZES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}


def idx_problem(path: str) -> Optional[str]:
    """What is wrong with the IDX file at ``path``, or None if its size fits its header."""
    size = osp.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(4)
        if len(head) < 4 or head[:2] != b'\x00\x00' or head[2] not in ITEM_SIZES or not head[3]:
            return 'has no IDX header'
        dims_raw = f.read(4 * head[3])
    if len(dims_raw) < 4 * head[3]:
        return 'is truncated inside its header'
    dims = struct.unpack(f'>{head[3]}i', dims_raw)
    expected = 4 + 4 * len(dims) + ITEM_SIZES[head[2]] * _product(dims)
    if size != expected:
        state = 'truncated' if size < expected else 'longer than its header says'
        return f'is {state}: {size} bytes, its header {dims} needs {expected}'
    return None


def _product(dims) -> int:
    out = 1
    for d in dims:
        out *= d
    return out


# IDX data set class name -> how its files are put into a folder ({root})
PREPARE = {'FashionMNIST': 'unpack them there with sfkd-prepare-data fashion-mnist --out {root}'}


def required_idx_files(dataset_type) -> Tuple[str, Tuple[str, ...]]:
    """The class name and the un-gzipped IDX files that a dataset of ``dataset_type``
    reads from its folder, or ``('', ())`` for a type that reads no IDX files.

    ``dataset_type`` is a class or a registered name (``'mmpretrain.FashionMNIST'``).
    The files are those of mmpretrain's MNIST family (MNIST, FashionMNIST and their
    subclasses), which needs all four for either split.
    """
    cls = dataset_type
    if isinstance(dataset_type, str):
        from sfkd.registry import DATASETS
        try:
            cls = DATASETS.get(dataset_type)
        except (KeyError, ImportError):  # an unknown scope: the build reports the type
            return '', ()
    mnist = sys.modules.get('mmpretrain.datasets.mnist')  # never imported: not of the family
    if not isinstance(cls, type) or mnist is None or not issubclass(cls, mnist.MNIST):
        return '', ()
    names = [name[:-3] if name.endswith('.gz') else name
             for name, _ in list(cls.train_list) + list(cls.test_list)]
    return cls.__name__, tuple(names)


def check_idx_files(data_root: str, where: str, required: Sequence[str] = (),
                    name: str = 'IDX') -> None:
    """Raise :class:`BadConfigError` if a ``required`` file is not in ``data_root``, or
    for the first bad ``*-idx*-ubyte`` file there.

    Args:
        data_root: The folder a dataset reads.
        where: The config key of the folder, to name in the message.
        required: File names the dataset reads (see :func:`required_idx_files`).
        name: The dataset's class name, to name in the message.
    """
    missing = [f for f in required if not osp.isfile(osp.join(data_root, f))]
    if missing:
        fix = PREPARE.get(name, f'put the un-gzipped {name} IDX files there')
        raise BadConfigError(
            f'{where} {data_root!r} lacks {len(missing)} of the {len(required)} {name} IDX '
            f'files ({", ".join(missing)}); {fix.format(root=data_root)}, or set it with '
            f'--cfg-options {where}=PATH')
    for path in sorted(glob.glob(osp.join(data_root, '*-idx*-ubyte'))):
        problem = idx_problem(path)
        if problem:
            raise BadConfigError(
                f'{where} {data_root!r}: {osp.basename(path)} {problem}; unpack it again with '
                f'sfkd-prepare-data fashion-mnist --out {data_root}')

"""Check IDX files (MNIST, Fashion-MNIST) against their own headers.

A truncated or corrupt IDX file otherwise fails deep inside the dataset's
reader with an error that does not name the file.
"""
import glob
import os.path as osp
import struct
from typing import Optional

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


def check_idx_files(data_root: str, where: str) -> None:
    """Raise :class:`BadConfigError` for the first bad ``*-idx*-ubyte`` file in ``data_root``."""
    for path in sorted(glob.glob(osp.join(data_root, '*-idx*-ubyte'))):
        problem = idx_problem(path)
        if problem:
            raise BadConfigError(
                f'{where} {data_root!r}: {osp.basename(path)} {problem}; unpack it again with '
                f'python tools/dataset_converters/prepare_fashion_mnist.py --out {data_root} '
                '(or bash tools/setup.sh)')

"""The cache's files: memory-mapped arrays of teacher outputs, filled chunk by chunk.

A cache folder holds ``meta.json`` (what the cache is the cache of, its
arrays and its chunking), one ``.npy`` file per stored array with a row per
slot (``view * N + index``), and ``params/``: the random parameters of the
data pipeline, one JSON file per filled chunk, gathered into one file per
view (``view_<v>.json``) when the cache is complete. A chunk counts as filled
once its parameter file exists, and that file is written (atomically) only
after the chunk's rows are flushed to disk, so a process killed while it
fills leaves no chunk that looks filled but is not: the next run fills the
missing chunks again.

The arrays are sparse files: made at their full size, their disk blocks
are taken as the chunks are written. Before a cache is made or filled, the
disk must have room for every block still to write (:func:`check_room`),
and the rows are written with file writes, not through the memory map, so
a disk that fills up all the same is an error naming the cache
(:class:`~sfkd.utils.errors.WorkDirError`), never a process killed by
SIGBUS.
"""
import json
import os
import os.path as osp
import shutil
from contextlib import contextmanager
from typing import Dict, Iterator, List, Tuple

import numpy as np

from sfkd.engine.atomic_write import atomic_write_bytes
from sfkd.utils.errors import CheckpointError, WorkDirError

COMPLETE = 'COMPLETE'
SMALLER = ("set teacher_cache.root to a folder on a disk with room, make the cache smaller "
           "(teacher_cache.storage='fp16' or dict(type='sampled', k=...), fewer "
           'teacher_cache.views) or remove teacher_cache')


def _size(n: int) -> str:
    """``n`` bytes, exactly and in the largest binary unit that keeps it at least 1."""
    for unit, shift in (('TiB', 40), ('GiB', 30), ('MiB', 20), ('KiB', 10)):
        if n >= 2**shift:
            return f'{n} bytes ({n / 2**shift:.1f} {unit})'
    return f'{n} bytes'


def _existing(folder: str) -> str:
    """``folder``, or its nearest ancestor that exists (the disk it will be on)."""
    folder = osp.abspath(folder)
    while not osp.exists(folder) and osp.dirname(folder) != folder:
        folder = osp.dirname(folder)
    return folder


def bytes_to_write(folder: str, meta: dict) -> int:
    """The disk bytes the arrays of the cache ``meta`` in ``folder`` still take: all of
    them for an array not made yet, the blocks not yet taken for one that is."""
    rows = int(meta['views']) * int(meta['size'])
    total = 0
    for name, (shape, dtype) in meta['arrays'].items():
        size = rows * int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        path = osp.join(folder, name.replace('/', '_') + '.npy')
        if osp.isfile(path):
            stat = os.stat(path)
            size = max(0, stat.st_size - getattr(stat, 'st_blocks', 0) * 512)
        total += size
    return total


def check_room(folder: str, meta: dict) -> None:
    """Refuse to make or fill the cache ``meta`` in ``folder`` when its disk has less
    free space than the cache still takes."""
    needed = bytes_to_write(folder, meta)
    disk = _existing(folder)
    free = shutil.disk_usage(disk).free
    if needed > free:
        raise WorkDirError(f'teacher cache {folder} needs {_size(needed)} more on disk, but '
                           f'{disk} has {_size(free)} free; {SMALLER}')


@contextmanager
def _writing(folder: str, what: str) -> Iterator[None]:
    """A failed write into the cache (a full disk, a read-only folder) as one line."""
    try:
        yield
    except OSError as err:
        if isinstance(err, WorkDirError):
            raise
        reason = f'[Errno {err.errno}] {err.strerror}' if err.strerror else str(err)
        raise WorkDirError(
            f'teacher cache {folder}: writing {what} failed ({reason}); the chunks filled so '
            'far are kept and the next run fills the rest: free space on that disk, or '
            f'remove {folder} and {SMALLER}') from None


def array_layout(codecs: dict) -> Dict[str, list]:
    """``meta['arrays']`` of a cache: ``{'<element>.<suffix>': [shape per sample, dtype]}``
    for every codec's arrays (``codecs``: ``{element: codec}``)."""
    return {f'{element}.{suffix}': [list(shape), dtype] for element, codec in codecs.items()
            for suffix, (shape, dtype) in codec.layout().items()}


class CacheStore:
    """One cache folder; ``meta`` as written by :meth:`create`.

    ``meta`` keys: ``key`` (the hash that names the folder), ``what`` (the
    description hashed), ``views``, ``size`` (samples per view), ``chunk``
    (samples per chunk), ``arrays`` (``{name: [shape per sample, dtype]}``).
    """

    def __init__(self, folder: str, meta: dict) -> None:
        self.folder = folder
        self.meta = meta
        self.views = int(meta['views'])
        self.size = int(meta['size'])
        self.chunk = int(meta['chunk'])
        self._maps: Dict[Tuple[str, str], np.memmap] = {}

    # ----------------------------------------------------------- create/open
    @staticmethod
    def read_meta(folder: str):
        path = osp.join(folder, 'meta.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)

    @classmethod
    def create(cls, folder: str, meta: dict) -> 'CacheStore':
        """Make the folder's arrays, then its ``meta.json`` (last: a folder
        without it is incomplete and is made again). A disk without room for
        the whole cache is refused before anything is made, and a folder this
        call made is removed again if making it fails."""
        check_room(folder, meta)
        existing = _existing(folder)
        # the outermost folder this call makes, removed again if making the cache fails
        made = None if existing == osp.abspath(folder) else \
            osp.join(existing, osp.relpath(osp.abspath(folder), existing).split(os.sep)[0])
        store = cls(folder, meta)
        rows = store.views * store.size
        try:
            with _writing(folder, 'its files'):
                os.makedirs(osp.join(folder, 'params'), exist_ok=True)
                for name, (shape, dtype) in meta['arrays'].items():
                    array = np.lib.format.open_memmap(store.array_path(name), mode='w+',
                                                      dtype=dtype, shape=(rows, *shape))
                    array.flush()
                    del array
                atomic_write_bytes(json.dumps(meta, indent=1).encode(),
                                   osp.join(folder, 'meta.json'))
        except BaseException:
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
            else:  # a folder left by an earlier attempt: its files, which this call made
                for name in meta['arrays']:
                    if osp.isfile(store.array_path(name)):
                        os.remove(store.array_path(name))
            raise
        return store

    @classmethod
    def open(cls, folder: str, key: str) -> 'CacheStore':
        meta = cls.read_meta(folder)
        if meta is None or meta.get('key') != key:
            raise CheckpointError(f'{folder} is not the teacher cache {key}: its meta.json is '
                                  'missing or names another cache; remove the folder')
        return cls(folder, meta)

    # ---------------------------------------------------------------- arrays
    def array_path(self, name: str) -> str:
        return osp.join(self.folder, name.replace('/', '_') + '.npy')

    def array(self, name: str, mode: str = 'r') -> np.memmap:
        if (name, mode) not in self._maps:
            self._maps[(name, mode)] = np.load(self.array_path(name), mmap_mode=mode)
        return self._maps[(name, mode)]

    def rows(self, slots: np.ndarray) -> Dict[str, np.ndarray]:
        """``{array name: rows of slots}`` (copies, read from the mapped files)."""
        return {name: self.array(name)[slots] for name in self.meta['arrays']}

    # ---------------------------------------------------------------- chunks
    def chunks(self) -> Iterator[Tuple[int, int, int, int]]:
        """``(view, chunk, first index, end index)`` of every chunk, in fill order."""
        count = -(-self.size // self.chunk)
        for view in range(self.views):
            for chunk in range(count):
                yield view, chunk, chunk * self.chunk, min(self.size, (chunk + 1) * self.chunk)

    def chunk_params_path(self, view: int, chunk: int) -> str:
        return osp.join(self.folder, 'params', f'v{view}_c{chunk}.json')

    def is_filled(self, view: int, chunk: int) -> bool:
        return osp.isfile(self.chunk_params_path(view, chunk))

    def write_chunk(self, view: int, chunk: int, first: int,
                    arrays: Dict[str, np.ndarray], params: List[dict]) -> None:
        """Write the rows of one chunk, flush them, then mark the chunk filled."""
        start = view * self.size + first
        for name, values in arrays.items():
            with _writing(self.folder, osp.basename(self.array_path(name))):
                self._write_rows(name, start, values)
        with _writing(self.folder, osp.basename(self.chunk_params_path(view, chunk))):
            atomic_write_bytes(json.dumps(params).encode(), self.chunk_params_path(view, chunk))

    def _write_rows(self, name: str, start: int, values: np.ndarray) -> None:
        """Write ``values`` as rows ``start...`` of array ``name`` with file writes (a
        full disk raises OSError here, where a write through the map would be SIGBUS)
        and flush them to disk."""
        array = self.array(name)  # the read map, for its layout
        block = np.ascontiguousarray(np.broadcast_to(
            np.asarray(values).astype(array.dtype, copy=False),
            (len(values), *array.shape[1:])))
        data = memoryview(block).cast('B')
        offset = array.offset + start * array.dtype.itemsize * int(np.prod(array.shape[1:]))
        fd = os.open(self.array_path(name), os.O_WRONLY)
        try:
            while data:
                written = os.pwrite(fd, data, offset)
                data, offset = data[written:], offset + written
            os.fsync(fd)
        finally:
            os.close(fd)

    @property
    def complete(self) -> bool:
        return osp.isfile(osp.join(self.folder, COMPLETE))

    def missing(self) -> List[Tuple[int, int]]:
        return [(v, c) for v, c, _, _ in self.chunks() if not self.is_filled(v, c)]

    def finish(self) -> None:
        """Gather the chunks' parameters into one file per view; mark the cache complete."""
        per_view: Dict[int, list] = {v: [] for v in range(self.views)}
        for view, chunk, _, _ in self.chunks():
            with open(self.chunk_params_path(view, chunk)) as f:
                per_view[view] += json.load(f)
        with _writing(self.folder, 'its parameter files'):
            for view, params in per_view.items():
                atomic_write_bytes(json.dumps(params).encode(),
                                   osp.join(self.folder, 'params', f'view_{view}.json'))
            atomic_write_bytes(b'', osp.join(self.folder, COMPLETE))

    @property
    def params_dir(self) -> str:
        return osp.join(self.folder, 'params')

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
"""
import json
import os
import os.path as osp
from typing import Dict, Iterator, List, Tuple

import numpy as np

from sfkd.engine.atomic_write import atomic_write_bytes
from sfkd.utils.errors import CheckpointError

COMPLETE = 'COMPLETE'


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
        without it is incomplete and is made again)."""
        os.makedirs(osp.join(folder, 'params'), exist_ok=True)
        store = cls(folder, meta)
        rows = store.views * store.size
        for name, (shape, dtype) in meta['arrays'].items():
            array = np.lib.format.open_memmap(store.array_path(name), mode='w+', dtype=dtype,
                                              shape=(rows, *shape))
            array.flush()
            del array
        atomic_write_bytes(json.dumps(meta, indent=1).encode(), osp.join(folder, 'meta.json'))
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
            target = self.array(name, 'r+')
            target[start:start + len(values)] = values
            target.flush()
        atomic_write_bytes(json.dumps(params).encode(), self.chunk_params_path(view, chunk))

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
        for view, params in per_view.items():
            atomic_write_bytes(json.dumps(params).encode(),
                               osp.join(self.folder, 'params', f'view_{view}.json'))
        atomic_write_bytes(b'', osp.join(self.folder, COMPLETE))

    @property
    def params_dir(self) -> str:
        return osp.join(self.folder, 'params')

"""The teacher cache and its disk: a disk without room for the cache is refused before
anything is made, and a write that fails while the cache fills is one line, not a
process killed by SIGBUS (the disk's free space and the writes are patched: no disk is
filled)."""
import errno
import os
import os.path as osp
from collections import namedtuple

import numpy as np
import pytest

from sfkd.engine.teacher_cache import store as store_module
from sfkd.engine.teacher_cache.store import CacheStore, bytes_to_write
from sfkd.utils.errors import WorkDirError

pytestmark = pytest.mark.unit

Usage = namedtuple('Usage', 'total used free')
SMALLER = ("set teacher_cache.root to a folder on a disk with room, make the cache smaller "
           "(teacher_cache.storage='fp16' or dict(type='sampled', k=...), fewer "
           'teacher_cache.views) or remove teacher_cache')


def cache_meta(views=2, size=6, chunk=2, width=1024):
    """Two arrays: 4 KiB float32 rows and 1-byte rows."""
    return dict(key='k' * 40, what={}, views=views, size=size, chunk=chunk, seed=0,
                arrays={'logits.values': [[width], 'float32'], 'logits.flag': [[], 'uint8']},
                structure={'logits': None})


def rows(meta, first, end, value):
    width = meta['arrays']['logits.values'][0][0]
    return {'logits.values': np.full((end - first, width), value, np.float32),
            'logits.flag': np.full((end - first, ), value, np.uint8)}


def test_the_bytes_a_cache_takes_come_from_its_layout(tmp_path):
    meta = cache_meta()
    assert bytes_to_write(str(tmp_path / 'none'), meta) == 2 * 6 * (4096 + 1)


def test_a_disk_without_room_is_refused_before_anything_is_made(tmp_path, monkeypatch):
    root = tmp_path / 'caches'
    folder = str(root / 'abc')
    seen = []

    def usage(path):
        seen.append(path)
        return Usage(10**9, 10**9 - 1000, 1000)

    monkeypatch.setattr(store_module.shutil, 'disk_usage', usage)
    with pytest.raises(WorkDirError) as err:
        CacheStore.create(folder, cache_meta())
    assert str(err.value) == (
        f'teacher cache {folder} needs 49164 bytes (48.0 KiB) more on disk, but {tmp_path} has '
        f'1000 bytes free; {SMALLER}')
    assert seen == [str(tmp_path)]  # the disk the cache would be on: its nearest folder
    assert os.listdir(tmp_path) == []  # nothing made


def test_making_the_files_failing_half_way_removes_what_it_made(tmp_path, monkeypatch):
    real = np.lib.format.open_memmap
    made = []

    def open_memmap(path, *args, **kwargs):
        if made:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        made.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, 'open_memmap', open_memmap)
    folder = str(tmp_path / 'caches' / 'abc')
    with pytest.raises(WorkDirError, match=rf'^teacher cache {folder}: writing its files failed '
                                           r'\(\[Errno 28\] No space left on device\); '):
        CacheStore.create(folder, cache_meta())
    assert len(made) == 1 and os.listdir(tmp_path) == []  # the first array is gone too


def test_a_write_failure_while_filling_is_one_line_and_keeps_the_filled_chunks(
        tmp_path, monkeypatch):
    meta = cache_meta()
    folder = str(tmp_path / 'abc')
    store = CacheStore.create(folder, meta)
    store.write_chunk(0, 0, 0, rows(meta, 0, 2, 3), [{}, {}])
    real = os.pwrite

    def pwrite(fd, data, offset):
        real(fd, bytes(data)[:100], offset)  # part of the rows reach the disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.os, 'pwrite', pwrite)
    with pytest.raises(WorkDirError) as err:
        store.write_chunk(0, 1, 2, rows(meta, 2, 4, 5), [{}, {}])
    assert str(err.value) == (
        f'teacher cache {folder}: writing logits.values.npy failed ([Errno 28] No space left on '
        'device); the chunks filled so far are kept and the next run fills the rest: free '
        f'space on that disk, or remove {folder} and {SMALLER}')
    monkeypatch.setattr(store_module.os, 'pwrite', real)
    assert store.missing() == [(v, c) for v in (0, 1) for c in (0, 1, 2)][1:]
    again = CacheStore.open(folder, meta['key'])
    np.testing.assert_array_equal(again.rows(np.arange(2))['logits.values'], 3)
    np.testing.assert_array_equal(again.rows(np.arange(2))['logits.flag'], 3)


def test_a_resumed_cache_needs_room_only_for_the_blocks_it_has_not_written(tmp_path):
    meta = cache_meta(width=4096)  # 16 KiB rows: whole blocks
    folder = str(tmp_path / 'abc')
    store = CacheStore.create(folder, meta)
    total = bytes_to_write(str(tmp_path / 'none'), meta)
    before = bytes_to_write(folder, meta)
    if before < total // 2:
        pytest.skip('this file system does not keep the cache files sparse')
    for view, chunk, first, end in store.chunks():
        store.write_chunk(view, chunk, first, rows(meta, first, end, chunk + 1), [{}] * 2)
        if (view, chunk) == (0, 0):
            assert before - bytes_to_write(folder, meta) >= 2 * 16384 - 4096
    assert bytes_to_write(folder, meta) <= 2 * 4096  # at most a partial block per file
    np.testing.assert_array_equal(store.rows(np.arange(12))['logits.flag'],
                                  [1, 1, 2, 2, 3, 3] * 2)


# through the train tool, on the real disk: the catalogue row "teacher cache bigger than the
# free disk space" (tests/test_tools/test_bad_inputs.py)

"""A test-only patch: the process kills itself with SIGKILL while it fills the teacher
cache, after the rows of chunk ``$SFKD_KILL_AT_CHUNK`` are written but before the chunk
is marked filled (the worst moment)."""
import os
import signal

import numpy as np

from sfkd.engine.teacher_cache.store import CacheStore

_write = CacheStore.write_chunk
_count = [0]


def write_then_die(self, view, chunk, first, arrays, params):
    if _count[0] == int(os.environ['SFKD_KILL_AT_CHUNK']):
        start = view * self.size + first
        for name, values in arrays.items():
            target = self.array(name, 'r+')
            target[start:start + len(values)] = np.zeros_like(values)  # half-written garbage
            target.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    _count[0] += 1
    return _write(self, view, chunk, first, arrays, params)


CacheStore.write_chunk = write_then_die

"""The teacher-cache storages that the benchmarks and the cache-storage study compare,
by name, and the ``--cfg-options`` that select one.

Each value is a ``teacher_cache.storage`` spec (:mod:`sfkd.engine.teacher_cache.codecs`):
``fp32`` (exact), ``fp16``, ``topk3`` (the 3 largest probabilities at the KD
temperature) and ``sampled16`` (16 classes drawn from the teacher's probabilities).
"""
from typing import List, Union

CACHE_STORAGES = {'fp32': 'fp32', 'fp16': 'fp16', 'topk3': dict(type='topk', k=3),
                  'sampled16': dict(type='sampled', k=16)}


def storage_options(spec: Union[str, dict]) -> List[str]:
    """The ``--cfg-options`` that set ``teacher_cache.storage`` to ``spec`` (a
    ``CACHE_STORAGES`` value)."""
    if isinstance(spec, str):
        return [f'teacher_cache.storage={spec}']
    return [f'teacher_cache.storage.{key}={value}' for key, value in spec.items()]

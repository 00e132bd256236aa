"""Record the random parameters a data pipeline draws for one sample, and replay them.

OpenMMLab transforms draw their randomness in methods marked with mmcv's
``@cache_randomness`` (``RandomCrop.rand_crop_params``, ``RandomFlip._choose_direction``,
...). With a transform's ``_cache_enabled`` flag set, such a method returns the
value stored in the transform's ``_cache`` under its name, and stores what it
draws there on a first call. :func:`recording` uses this to collect what every
random method of a pipeline drew for a sample; :func:`replaying` presets the
caches so that the pipeline makes exactly the same view again.

Parameters are kept as JSON-ready values (:func:`to_json` / :func:`from_json`),
tuples and arrays tagged so that they come back with their types.
"""
import random
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np

Params = Dict[str, Dict[str, Any]]  # {'<position>:<transform class>': {method: value}}


def random_transforms(pipeline: Any, prefix: str = '') -> List[Tuple[str, Any]]:
    """``[(key, transform)]`` for every transform (nested ones included) with
    ``@cache_randomness`` methods; ``key`` is its position and class name."""
    found = []
    items = getattr(pipeline, 'transforms', pipeline)
    if not isinstance(items, (list, tuple)):
        return found
    for position, transform in enumerate(items):
        key = f'{prefix}{position}'
        if getattr(transform, '_methods_with_randomness', None):
            found.append((f'{key}:{type(transform).__name__}', transform))
        if hasattr(transform, 'transforms'):
            found += random_transforms(transform, f'{key}.')
    return found


def _enable(transform: Any, cache: Dict[str, Any]) -> None:
    transform._cache_enabled = True
    transform._cache = cache


def _disable(transform: Any) -> None:
    transform._cache_enabled = False
    if hasattr(transform, '_cache'):
        del transform._cache


@contextmanager
def recording(pipeline: Any) -> Iterator[Params]:
    """Run the pipeline on one sample inside the block; the yielded dict is
    then filled with what each random method drew."""
    found = random_transforms(pipeline)
    params: Params = {}
    caches = {key: {} for key, _ in found}
    try:
        for key, transform in found:
            _enable(transform, caches[key])
        yield params
    finally:
        for key, transform in found:
            _disable(transform)
    params.update({key: cache for key, cache in caches.items() if cache})


@contextmanager
def replaying(pipeline: Any, params: Params) -> Iterator[None]:
    """Inside the block the pipeline's random methods return ``params``."""
    found = dict(random_transforms(pipeline))
    unknown = sorted(set(params) - set(found))
    if unknown:
        raise KeyError(f'recorded random parameters for {unknown}, which the data pipeline '
                       f'does not have (it has {sorted(found)}): the pipeline changed')
    try:
        for key, transform in found.items():
            _enable(transform, dict(params.get(key, {})))
        yield
    finally:
        for transform in found.values():
            _disable(transform)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed numpy's and Python's global generators inside the block, and
    restore their state after it (the pipeline's transforms draw from them)."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed % 2**32)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def to_json(value: Any) -> Any:
    """A JSON-ready form of a drawn parameter (tuples and arrays tagged)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {'__tuple__': [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return {'__array__': value.tolist(), 'dtype': str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f'a random parameter of type {type(value).__name__} ({value!r}) cannot be '
                    'stored; the teacher cache supports numbers, strings, tuples, lists, dicts '
                    'and numpy arrays')


def from_json(value: Any) -> Any:
    """The inverse of :func:`to_json`."""
    if isinstance(value, dict):
        if '__tuple__' in value:
            return tuple(from_json(v) for v in value['__tuple__'])
        if '__array__' in value:
            return np.asarray(value['__array__'], dtype=value['dtype'])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value

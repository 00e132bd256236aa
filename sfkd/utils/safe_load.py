"""Safe checkpoint loading under torch >= 2.6 (``weights_only=True``).

``torch.load`` only unpickles allow-listed globals by default since torch 2.6.
MMEngine checkpoints carry a few non-tensor objects: the message hub's
``HistoryBuffer``, the numpy arrays and scalars inside it, and the buffer's
statistics methods, pickled as ``getattr(HistoryBuffer, 'mean')``. Instead of
turning safe loading off, sfkd allow-lists exactly those: the numpy and
MMEngine types, and a *restricted* ``getattr`` that resolves only the four
statistics methods of ``HistoryBuffer`` and refuses anything else, so a file
cannot reach arbitrary attributes (``getattr(obj, '__globals__')`` and the like).

``import sfkd`` calls :func:`allow_mmengine_checkpoint_types`: it only adds these
entries to torch's allow-list (a file that loaded before loads the same), and it
must precede every ``torch.load`` of an MMEngine checkpoint, sfkd's reader,
MMEngine's own resume and a user's ``torch.load(path, weights_only=True)`` alike.
Calling it again changes nothing.
"""
import pickle
from typing import Any, List

import numpy as np
import torch

HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')
NUMPY_DTYPES = ('float64', 'float32', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8',
                'bool')


def restricted_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call: HistoryBuffer's statistics methods."""
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}), '
        'which sfkd refuses to unpickle: the file was not written by MMEngine/sfkd')


def _numpy_globals() -> List[Any]:
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    return [np.ndarray, np.dtype, _reconstruct, scalar] + \
        [type(np.dtype(name)) for name in NUMPY_DTYPES]


def mmengine_checkpoint_globals() -> List[Any]:
    """The globals MMEngine writes into its checkpoints, for ``add_safe_globals``."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, (restricted_getattr, 'builtins.getattr')] + _numpy_globals()


def allow_mmengine_checkpoint_types() -> None:
    """Allow-list MMEngine's checkpoint contents for ``torch.load(weights_only=True)``."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(mmengine_checkpoint_globals())

"""Safe checkpoint loading under torch >= 2.6 (``weights_only=True``).

``torch.load`` only unpickles allow-listed types by default since torch 2.6.
MMEngine checkpoints carry a few non-tensor objects (the message hub's
``HistoryBuffer`` and the numpy arrays inside it), so ``--resume`` would fail.
Instead of turning safe loading off, sfkd allow-lists exactly those types.
"""
from typing import List

import numpy as np
import torch


def mmengine_checkpoint_types() -> List[object]:
    """The globals that MMEngine writes into its checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer

    types: List[object] = [HistoryBuffer, np.ndarray, np.dtype]
    types.append(np.core.multiarray._reconstruct if hasattr(np, 'core') and hasattr(
        np.core, 'multiarray') else np._core.multiarray._reconstruct)
    # numpy scalars are pickled through `scalar`; dtypes through their classes
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    types.append(scalar)
    types += [type(np.dtype(name)) for name in (
        'float64', 'float32', 'float16', 'int64', 'int32', 'int8', 'uint8', 'bool')]
    return types


def allow_mmengine_checkpoint_types() -> None:
    """Allow-list MMEngine's checkpoint types for ``torch.load(weights_only=True)``."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(mmengine_checkpoint_types())

"""Teacher outputs read back from the cache, by slot, as the taps recorded them."""
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch

from .codecs import Codec
from .store import CacheStore


def element_names(tap: str, count: Optional[int]) -> list:
    """The stored elements of a tap: itself, or ``tap.0``, ``tap.1``, ... for a
    tap that records a tuple/list of tensors."""
    return [tap] if count is None else [f'{tap}.{i}' for i in range(count)]


class TeacherCacheReader:
    """Reads the teacher taps' values of a batch of slots.

    Args:
        store: The complete cache.
        codecs: ``{element: codec}`` (see :func:`element_names`).
        structure: ``{tap: None for a tensor, n for a tuple of n tensors}``.
    """

    def __init__(self, store: CacheStore, codecs: Dict[str, Codec],
                 structure: Dict[str, Optional[int]]) -> None:
        self.store = store
        self.codecs = codecs
        self.structure = structure

    def read(self, slots: Sequence[int], device: torch.device) -> Dict[str, Any]:
        index = np.asarray(slots, dtype=np.int64)
        order = np.argsort(index, kind='stable')  # sorted reads are kinder to the page cache
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        values = {}
        for tap, count in self.structure.items():
            decoded = []
            for element in element_names(tap, count):
                arrays = {suffix: self.store.array(f'{element}.{suffix}')[index[order]][back]
                          for suffix in self.codecs[element].layout()}
                decoded.append(self.codecs[element].decode(arrays).to(device, non_blocking=True))
            values[tap] = decoded[0] if count is None else tuple(decoded)
        return values

"""Short descriptions of tensors and sequences of tensors for error messages."""
from typing import Any

import torch


def describe(value: Any) -> str:
    """``(2, 16, 8, 8)`` for a tensor, ``3 levels [(2, 16, 8, 8), ...]`` for a sequence."""
    if isinstance(value, torch.Tensor):
        return str(tuple(value.shape))
    if isinstance(value, (list, tuple)):
        return f'{len(value)} levels [{", ".join(describe(v) for v in value)}]'
    return type(value).__name__

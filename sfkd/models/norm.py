"""Normalisation layers chosen by name, shared by backbones and connectors."""
from torch import nn


def norm_layer(kind: str, channels: int) -> nn.Module:
    """``'bn'``: BatchNorm2d; ``'gn'``: GroupNorm with 4 groups (1 if not divisible);
    ``'none'``: identity.

    GroupNorm normalises each sample on its own, so a model that uses it gives
    the same result whatever the per-process batch size (useful for exact
    distributed-parity checks on CPUs, where SyncBatchNorm is not available).
    """
    if kind == 'bn':
        return nn.BatchNorm2d(channels)
    if kind == 'gn':
        return nn.GroupNorm(4 if channels % 4 == 0 else 1, channels)
    if kind == 'none':
        return nn.Identity()
    raise ValueError(f"norm must be 'bn', 'gn' or 'none', got {kind!r}")

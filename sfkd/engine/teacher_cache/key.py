"""What a teacher cache is the cache of, and the hash that names its folder.

The key covers everything that changes a stored value: the teacher's weights
(hashed tensor by tensor, whether they came from a checkpoint, a model zoo or
an initialiser), the teacher taps, the training set's config with its data
pipeline, the data preprocessor, the number of views, the storage of each tap
and the fill's seed. A change to any of them gives another folder, so stale
entries are never read.
"""
import hashlib
import json
from typing import Any, Dict

import torch
from torch import nn


def weights_digest(module: nn.Module) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of a module's state dict."""
    digest = hashlib.sha256()
    for name, value in module.state_dict().items():
        digest.update(name.encode())
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().contiguous()
            digest.update(f'{value.dtype}{tuple(value.shape)}'.encode())
            digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def describe_module(module: nn.Module) -> Dict[str, Any]:
    """A module's type, its plain attributes and its tensors' digest (for a
    data preprocessor: mean, std, padding, channel order, ...)."""
    attributes = {k: _plain(v) for k, v in sorted(vars(module).items())
                  if not k.startswith('_') or k in ('_enable_normalize', '_channel_conversion')
                  if isinstance(v, (bool, int, float, str, tuple, list)) or v is None}
    return dict(type=f'{type(module).__module__}.{type(module).__name__}',
                attributes=attributes, tensors=weights_digest(module))


def cache_key(what: Dict[str, Any]) -> str:
    """The hex SHA-256 of a description (canonical JSON)."""
    text = json.dumps(_plain(what), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()

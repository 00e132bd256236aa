"""Resolve dotted module paths with errors that suggest the closest valid ones."""
import difflib
from typing import List

from torch import nn

from sfkd.utils.errors import BadConfigError


def valid_paths(model: nn.Module) -> List[str]:
    return [name for name, _ in model.named_modules() if name]


def resolve_module(model: nn.Module, path: str, owner: str = 'model') -> nn.Module:
    """Return ``model.get_submodule(path)``; a bad path gets the closest valid ones.

    Args:
        model: The model to search.
        path: Dotted module path, e.g. ``backbone.layer2``.
        owner: How the model is named in the error (``student``, ``teacher``).
    """
    try:
        return model.get_submodule(path)
    except AttributeError:
        pass
    paths = valid_paths(model)
    close = difflib.get_close_matches(path, paths, n=5, cutoff=0.5)
    prefix = path.rsplit('.', 1)[0] if '.' in path else ''
    siblings = [p for p in paths if prefix and p.startswith(prefix + '.')
                and p.count('.') == path.count('.')][:8]
    hint = close or siblings or [p for p in paths if '.' not in p]
    raise BadConfigError(f'{owner} has no module {path!r}; closest valid paths: {hint}')

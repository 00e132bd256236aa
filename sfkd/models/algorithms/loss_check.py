"""Build-time checks of what reaches a distill loss, with errors that explain shapes."""
from typing import Any, Dict

from sfkd.utils.errors import BadConfigError
from sfkd.utils.shapes import describe

__all__ = ['describe', 'has_sequence', 'sequence_error']


def sequence_error(name: str, loss: Any, inputs: Dict[str, str], err: Exception,
                   tap_hint: str) -> BadConfigError:
    """The error for a multi-level output routed into a loss that takes one map."""
    return BadConfigError(
        f'{name} ({type(loss).__name__}) takes one map, but gets a multi-level output: '
        f'{inputs} ({str(err).splitlines()[0]}); pick one level with a tap index, e.g. '
        f"{tap_hint}, or wrap the loss: dict(type='PerLevelLoss', "
        f"loss=dict(type='{type(loss).__name__}', ...))")


def has_sequence(values: Dict[str, Any]) -> bool:
    return any(isinstance(v, (list, tuple)) for v in values.values())

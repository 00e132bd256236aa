"""Name the losses of a wrapped model: ``student.``, ``teacher.``, ``distill.``."""
from typing import Any, Dict


def prefix_losses(losses: Dict[str, Any], prefix: str, weight: float = 1.0) -> Dict[str, Any]:
    """Prefix every key; scale the values whose name says they are losses.

    Values may be tensors or lists of tensors (mmdet returns one per level);
    entries such as accuracies keep their value and only get the prefix.
    """
    out = {}
    for name, value in losses.items():
        if weight != 1.0 and 'loss' in name:
            value = [v * weight for v in value] if isinstance(value, (list, tuple)) \
                else value * weight
        out[f'{prefix}.{name}'] = value
    return out

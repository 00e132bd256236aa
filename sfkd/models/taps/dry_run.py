"""A build-time forward pass on zeros that records taps (for checks and sizing)."""
from typing import Any, Dict, Sequence, Tuple

import torch
from torch import nn

from sfkd.utils.errors import BadConfigError

from .tap_set import TapSet


def check_input_shape(shape: Any, where: str = 'model.input_shape') -> Tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints, or refuse it naming ``where``."""
    if isinstance(shape, (list, tuple)) and shape and all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        return tuple(shape)
    raise BadConfigError(f'{where} must be the shape of one sample as a tuple of positive '
                         f'ints, e.g. (1, 28, 28) for a grey 28x28 image, got {shape!r}')


@torch.no_grad()
def dry_run(model: nn.Module, taps: TapSet, input_shape: Sequence[int],
            batch_size: int = 2) -> Dict[str, Any]:
    """Run ``model`` in eval mode on zeros of ``(batch_size, *input_shape)``.

    Returns:
        ``{'<owner>.<tap name>': value}`` for every tap of ``taps``.

    Raises:
        BadConfigError: The model cannot run on that input shape.
    """
    inputs = torch.zeros(batch_size, *input_shape)
    was_training = model.training
    model.eval()
    try:
        with taps.recording(model):
            model(inputs, None, mode='tensor')
    except RuntimeError as err:
        raise BadConfigError(f'the {taps.owner} cannot run on an input of shape '
                             f'{tuple(inputs.shape)} ({str(err).splitlines()[0]}); '
                             'set model.input_shape to the shape of one sample') from None
    finally:
        model.train(was_training)
    return taps.values()

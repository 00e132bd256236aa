"""Stop training at the first non-finite loss, naming the term and the iteration."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook

from sfkd.registry import HOOKS
from sfkd.utils.errors import SfkdError


class NonFiniteLossError(SfkdError, FloatingPointError):
    """A loss term became NaN or infinite."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raises :class:`NonFiniteLossError` when a logged loss term is NaN or inf.

    The weights of that step are not saved: the last checkpoint on disk is the
    last good one, and the error names it. sfkd's default runtime names it in
    ``default_hooks`` (``non_finite_loss``), so every runner built from an sfkd
    config has it.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        values = {k: float(torch.as_tensor(v).detach()) for k, v in (outputs or {}).items()
                  if 'loss' in k}
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            return
        if len(bad) > 1:  # name the terms, not their sum
            bad.pop('loss', None)
        terms = ', '.join(f'{k}={v}' for k, v in bad.items())
        last = runner.message_hub.get_info('last_ckpt') or 'none yet'
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
            f'{terms}; lower the learning rate or the weight of that term. Nothing was '
            f'saved from this step; the last checkpoint is {last}')

"""Build the loops and the optimiser with the Runner, not when training or testing starts.

MMEngine builds them inside ``Runner.train()``/``Runner.test()``, where a typo
in ``train_cfg``, ``val_cfg``, ``test_cfg`` or ``optim_wrapper`` ends in a stack
trace. Building them right after the Runner (the same objects ``train()`` and
``test()`` would build) reports such a typo as a config error naming the option
and its closest valid names.
"""
import re

from mmengine.optim import OptimWrapper
from mmengine.runner import (EpochBasedTrainLoop, IterBasedTrainLoop, Runner, TestLoop,
                              ValLoop)

from sfkd.registry import LOOPS, OPTIM_WRAPPERS, OPTIMIZERS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import unexpected_option


def _message(err: Exception) -> str:
    return str(err.args[0]) if err.args else type(err).__name__


def build_loop(runner: Runner, kind: str = 'train') -> None:
    """Build ``runner``'s ``kind`` loop (train, val, test) now, as ``Runner.train()``/``test()``
    would; refuse unknown options and, for training, an empty schedule."""
    cfg = getattr(runner, f'_{kind}_loop')
    if isinstance(cfg, dict):
        if 'type' in cfg:
            cls = LOOPS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
        elif kind == 'train':
            cls = EpochBasedTrainLoop if cfg.get('by_epoch', True) else IterBasedTrainLoop
        else:
            cls = ValLoop if kind == 'val' else TestLoop
        try:
            setattr(runner, f'_{kind}_loop', getattr(runner, f'build_{kind}_loop')(cfg))
        except (TypeError, ValueError, AssertionError) as err:
            message = _message(err)
            if isinstance(err, TypeError) and isinstance(cls, type):
                message = unexpected_option(
                    message, cls, skip=('runner', 'dataloader', 'evaluator')) or message
            raise BadConfigError(f'{kind}_cfg: {message}') from None
    loop = getattr(runner, f'_{kind}_loop')
    if kind != 'train' or loop is None:
        return
    length = 'max_iters' if isinstance(loop, IterBasedTrainLoop) else 'max_epochs'
    value = getattr(loop, length, None)
    if isinstance(value, (int, float)) and value < 1:
        raise BadConfigError(
            f'train_cfg.{length}={value}: nothing would be trained (and the run would '
            f'export untrained weights); set train_cfg.{length} to at least 1')


def build_optim_wrapper(runner: Runner) -> None:
    """Build ``runner``'s optimiser wrapper now; refuse unknown optimiser options."""
    cfg = runner.optim_wrapper
    if not isinstance(cfg, dict) or 'optimizer' not in cfg:
        return  # already built, or a dict of several wrappers: left to MMEngine
    try:
        runner.optim_wrapper = runner.build_optim_wrapper(cfg)
    except (TypeError, ValueError, KeyError) as err:
        message = _message(err)
        where = 'optim_wrapper'
        named = re.search(r'(\w+)\.__init__\(\)', message)
        optimizer_type = cfg['optimizer'].get('type') if isinstance(cfg['optimizer'], dict) \
            else None
        candidates = {'optimizer': OPTIMIZERS.get(optimizer_type)
                      if isinstance(optimizer_type, str) else optimizer_type,
                      'wrapper': OPTIM_WRAPPERS.get(cfg.get('type', 'OptimWrapper'))
                      or OptimWrapper}
        for part, cls in candidates.items():
            if isinstance(err, TypeError) and isinstance(cls, type) and named and \
                    named.group(1) == cls.__name__:
                message = unexpected_option(message, cls, skip=('params', 'optimizer')) \
                    or message
                where = 'optim_wrapper.optimizer' if part == 'optimizer' else where
        raise BadConfigError(f'{where}: {message}') from None

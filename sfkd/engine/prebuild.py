"""Build the loops and the optimiser with the Runner, not when training or testing starts.

MMEngine builds them inside ``Runner.train()``/``Runner.test()``, where a typo
in ``train_cfg``, ``val_cfg``, ``test_cfg`` or ``optim_wrapper`` ends in a stack
trace. Building them right after the Runner (the same objects ``train()`` and
``test()`` would build) reports such a typo as a config error naming the option
and its closest valid names. The parameter schedulers are checked, not built:
MMEngine builds them after scaling the learning rate. Used by
:func:`sfkd.apis.build_trainer` and :func:`sfkd.apis.build_tester` (so by
``sfkd-train`` and ``sfkd-test``).
"""
import difflib
import re
from typing import List, Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.runner import (EpochBasedTrainLoop, IterBasedTrainLoop, Runner, TestLoop,
                              ValLoop)

from sfkd.engine.resumable_train_loop import ResumableEpochBasedTrainLoop, check_schedule_length
from sfkd.registry import LOOPS, OPTIM_WRAPPERS, OPTIMIZERS, PARAM_SCHEDULERS
from sfkd.utils.errors import BadConfigError, SfkdError
from sfkd.utils.options import accepted_options, unexpected_option


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
        except SfkdError:
            raise  # already names what is wrong (the training data, a data root, ...)
        except (TypeError, ValueError, AssertionError) as err:
            if not _from_the_loop(err, cls, kind):
                raise  # building the loop's data failed: reported as such, not as the loop's
            message = _message(err)
            if isinstance(err, TypeError) and isinstance(cls, type):
                message = unexpected_option(
                    message, cls, skip=('runner', 'dataloader', 'evaluator')) or message
            raise BadConfigError(f'{kind}_cfg: {message}') from None
    loop = getattr(runner, f'_{kind}_loop')
    if kind != 'train' or loop is None:
        return
    length = 'max_iters' if isinstance(loop, IterBasedTrainLoop) else 'max_epochs'
    check_schedule_length(length, getattr(loop, length, None))


def _from_the_loop(err: Exception, cls, kind: str) -> bool:
    """Whether ``err``, raised while building a ``kind`` loop of class ``cls``, is about the
    loop's own options rather than about the data the loop builds.

    A ``TypeError`` about arguments names the callable that refused them: the
    loop's ``__init__`` or another class's (a dataset, a transform). sfkd's train
    loop checks its own options before it builds its data, so any other error
    raised while it is built comes from the data.
    """
    ours = kind == 'train' and isinstance(cls, type) and \
        issubclass(cls, ResumableEpochBasedTrainLoop)
    named = re.search(r'(\w+)\.__init__\(\)', _message(err)) \
        if isinstance(err, TypeError) else None
    if named:
        return not isinstance(cls, type) or \
            named.group(1) in {klass.__name__ for klass in cls.__mro__}
    return not ours


def build_optim_wrapper(runner: Runner) -> None:
    """Build ``runner``'s optimiser wrapper now; refuse unknown optimiser options, and a
    wrapper the model's ``check_optim_wrapper(wrapper)`` (if it has one) refuses."""
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
    # a model that trains with particular wrappers (AdversarialDistiller) checks them now
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    check = getattr(model, 'check_optim_wrapper', None)
    if callable(check):
        check(runner.optim_wrapper)


def _init_options(cls: type) -> Optional[List[str]]:
    """The options of the first ``__init__`` in ``cls``'s MRO that names them all."""
    for klass in cls.__mro__:
        if '__init__' in vars(klass):
            options = accepted_options(klass)
            if options is not None:
                return [o for o in options if o not in ('self', 'optimizer', 'param_name')]
    return None


def check_param_schedulers(runner: Runner) -> None:
    """Refuse an unknown type or option in ``param_scheduler`` (built by MMEngine in
    ``Runner.train()``, after the optimiser and the learning-rate scaling)."""
    cfgs = runner.param_schedulers
    if isinstance(cfgs, dict) and 'type' in cfgs:
        cfgs = [cfgs]
    if not isinstance(cfgs, (list, tuple)):
        return  # None, built, or one list per optimiser: left to MMEngine
    for i, cfg in enumerate(cfgs):
        if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
            continue
        cls = PARAM_SCHEDULERS.get(cfg['type'])
        if cls is None:
            known = sorted(set(PARAM_SCHEDULERS.module_dict) |
                           set(PARAM_SCHEDULERS.parent.module_dict))
            close = difflib.get_close_matches(cfg['type'], known, n=3, cutoff=0.6)
            hint = f'; did you mean {close}?' if close else ''
            raise BadConfigError(f'param_scheduler[{i}]: unknown type {cfg["type"]!r}{hint}')
        options = _init_options(cls) if isinstance(cls, type) else None
        if options is None:
            continue
        for key in cfg:
            # _scope_: MMEngine marks the entries of a config inherited from a package
            if key in ('type', 'convert_to_iter_based', '_scope_') or key in options:
                continue
            close = difflib.get_close_matches(key, options, n=3, cutoff=0.6)
            hint = f'; did you mean {close}?' if close else ''
            raise BadConfigError(f'param_scheduler[{i}]: {cls.__name__} has no option '
                                 f'{key!r}{hint} (its options: {options})')


def build_after_train_loop(runner: Runner) -> None:
    """Build (or check) what MMEngine's ``Runner.train()`` builds right after the train
    loop: the optimiser wrapper, the parameter schedulers (checked) and the val loop.
    Parts already built are left as they are, so calling it again is cheap."""
    build_optim_wrapper(runner)
    check_param_schedulers(runner)
    build_loop(runner, 'val')


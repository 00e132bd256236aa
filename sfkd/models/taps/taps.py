"""Taps record what a model computes, by dotted module path, during a forward pass.

A tap is declared in config as ``dict(type='ModuleOutputTap', source='backbone.layer3')``.
``ModuleOutputTap`` and ``ModuleInputTap`` use forward hooks; ``MethodOutputTap``
wraps a method (``source='head.pre_logits'``) for the duration of a recording.

Modules that return a tuple or a dict (an FPN neck, a multi-stage backbone) are
tapped whole, or one element is picked with ``index`` (tuple/list) or ``key``
(dict): ``dict(type='ModuleOutputTap', source='neck', index=0)``, or the string
shorthand ``'neck[0]'`` / ``"backbone['c3']"``.

A module run several times in one pass (a detection head's layers, shared by the
FPN levels and run once per level) is recorded at one of its calls with ``call``:
``dict(type='ModuleOutputTap', source='bbox_head.cls_convs.0', call=2)`` keeps the
output of its third call (the third level); without ``call`` the last call is kept.
"""
from typing import Any, Callable, List, Optional, Tuple

import torch
from torch import nn

from sfkd.registry import TASK_UTILS
from sfkd.utils.errors import BadConfigError

from .module_paths import resolve_module


def tensor_versions(value: Any) -> Tuple[int, ...]:
    """The in-place version counters of the tensors in ``value`` (a tensor, or a
    tuple/list/dict of them); an in-place operation on a tensor or a view of it
    increments its counter."""
    if isinstance(value, torch.Tensor):
        return (value._version, )
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return tuple(v for item in value for v in tensor_versions(item))
    return ()


class BaseTap:
    """Records one value per forward pass while :meth:`attach` is active.

    Args:
        source: Dotted path of the module (or ``module.method``) to record.
        index: If the recorded value is a tuple/list, keep only this element.
        key: If the recorded value is a dict, keep only this entry.
        call: Record only the value of this call (0: the first) of a module run
            several times in one pass; ``None`` records every call (the value
            is the last).
    """

    def __init__(self, source: str, index: Optional[int] = None,
                 key: Optional[str] = None, call: Optional[int] = None) -> None:
        if index is not None and key is not None:
            raise BadConfigError(f'tap {source!r}: give index (for a tuple output) or key '
                                 f'(for a dict output), not both')
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise BadConfigError(f'tap {source!r}: index must be an int, got {index!r}')
        if call is not None and (not isinstance(call, int) or isinstance(call, bool)
                                 or call < 0):
            raise BadConfigError(f'tap {source!r}: call must be an int >= 0 (which call of a '
                                 'module run several times in one pass to record, e.g. the '
                                 f'FPN level of a shared head layer), got {call!r}')
        self.source = source
        self.index = index
        self.key = key
        self.call = call
        self.calls = 0  # calls seen in this recording (counted when ``call`` is set)
        self.where = 'tap'  # how errors name it; TapSet sets '<owner>_taps.<name>'
        self.records: List[Any] = []
        self.versions: List[Tuple[int, ...]] = []  # in-place version counters at each record
        self.on_store: Optional[Callable[[], None]] = None  # called after each record

    def describe(self) -> str:
        """The tap as the string shorthand, e.g. ``neck[0]`` (and the call, if one is
        picked: ``bbox_head.cls_convs.0 (call 2)``)."""
        if self.index is not None:
            text = f'{self.source}[{self.index}]'
        else:
            text = f'{self.source}[{self.key!r}]' if self.key is not None else self.source
        return text if self.call is None else f'{text} (call {self.call})'

    def attach(self, model: nn.Module, owner: str = 'model') -> Callable[[], None]:
        """Start recording on ``model``; return a function that stops it."""
        raise NotImplementedError

    def check(self, model: nn.Module, owner: str = 'model') -> None:
        """Raise a clear error if ``source`` does not exist in ``model``."""
        resolve_module(model, self.source, owner)

    def _store(self, value: Any) -> None:
        if self.call is not None:
            self.calls += 1
            if self.calls - 1 != self.call:
                return
        value = self._select(value)
        self.records.append(value)
        self.versions.append(tensor_versions(value))
        if self.on_store is not None:
            self.on_store()

    def _select(self, value: Any) -> Any:
        """The element ``index``/``key`` picks from ``value`` (all of it if neither is set)."""
        returns = f'{self.where} {self.describe()!r}: {self.source} returns'
        if self.index is not None:
            if not isinstance(value, (tuple, list)):
                raise BadConfigError(f'{returns} a {type(value).__name__}, not a tuple; '
                                     'drop the index')
            if not -len(value) <= self.index < len(value):
                raise BadConfigError(f'{returns} a tuple of {len(value)}; use an index from 0 '
                                     f'to {len(value) - 1}')
            return value[self.index]
        if self.key is not None:
            if not isinstance(value, dict):
                raise BadConfigError(f'{returns} a {type(value).__name__}, not a dict; '
                                     'drop the key')
            if self.key not in value:
                raise BadConfigError(f'{returns} a dict with keys {sorted(value)}; '
                                     'use one of them')
            return value[self.key]
        return value

    def reset(self) -> None:
        self.records = []
        self.versions = []
        self.calls = 0

    def kept_first_record(self) -> bool:
        """Whether exactly one value was recorded and no in-place operation changed it since."""
        return len(self.records) == 1 and tensor_versions(self.records[0]) == self.versions[0]

    @property
    def value(self) -> Any:
        """The latest recorded value."""
        if not self.records and self.call is not None and self.calls:
            use = 'call=0 (or no call)' if self.calls == 1 else \
                f'a call from 0 to {self.calls - 1}'
            raise BadConfigError(f'{self.where} {self.describe()!r}: {self.source} ran '
                                 f'{self.calls} time(s) in the forward pass, so it has no '
                                 f'call {self.call}; use {use}')
        if not self.records:
            raise RuntimeError(f'{type(self).__name__}({self.source!r}) recorded nothing: '
                               'the module was not called in the forward pass')
        return self.records[-1]


@TASK_UTILS.register_module()
class ModuleOutputTap(BaseTap):
    """Records the output of the module at ``source``."""

    def attach(self, model, owner='model'):
        module = resolve_module(model, self.source, owner)
        handle = module.register_forward_hook(lambda m, args, out: self._store(out))
        return handle.remove


@TASK_UTILS.register_module()
class ModuleInputTap(BaseTap):
    """Records the (first positional) input of the module at ``source``; a module
    called with keyword arguments only has none, and the tap says so."""

    def attach(self, model, owner='model'):
        module = resolve_module(model, self.source, owner)

        def record(m, args, kwargs):
            if not args:
                raise BadConfigError(
                    f'{self.where} {self.describe()!r}: {self.source} is called with keyword '
                    f'arguments only ({sorted(kwargs)}), so it has no positional input to '
                    'record; tap the output of the module that makes it (ModuleOutputTap)')
            self._store(args[0])

        handle = module.register_forward_pre_hook(record, with_kwargs=True)
        return handle.remove


@TASK_UTILS.register_module()
class MethodOutputTap(BaseTap):
    """Records the return value of a method, e.g. ``source='head.pre_logits'``."""

    def _split(self):
        if '.' not in self.source:
            return '', self.source
        return self.source.rsplit('.', 1)

    def check(self, model, owner='model'):
        path, method = self._split()
        module = resolve_module(model, path, owner) if path else model
        if not callable(getattr(module, method, None)):
            methods = [n for n in dir(module) if not n.startswith('_')
                       and callable(getattr(module, n, None))][:20]
            raise BadConfigError(f'{owner}.{path or "<root>"} has no method {method!r}; '
                           f'it has: {methods}')

    def attach(self, model, owner='model'):
        self.check(model, owner)
        path, method = self._split()
        module = resolve_module(model, path, owner) if path else model
        original = getattr(module, method)

        def wrapped(*args, **kwargs):
            out = original(*args, **kwargs)
            self._store(out)
            return out

        setattr(module, method, wrapped)
        return lambda: delattr(module, method) if method in vars(module) else None

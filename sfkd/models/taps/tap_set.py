"""A named set of taps on one model, recorded together."""
import re
from contextlib import contextmanager
from typing import Any, Dict, Iterator

from torch import nn

from sfkd.registry import TASK_UTILS
from sfkd.utils.errors import BadConfigError

from .taps import BaseTap


_SHORTHAND = re.compile(r'^(?P<source>[^\[\]]+)\[(?P<element>[^\[\]]+)\]$')


def parse_tap(text: str) -> Dict[str, Any]:
    """``'neck[0]'`` -> ``dict(source='neck', index=0)``; ``"neck['p3']"`` -> ``key='p3'``."""
    found = _SHORTHAND.match(text.strip())
    if not found:
        if '[' in text or ']' in text:
            raise BadConfigError(f"tap {text!r}: write 'path', 'path[0]' or \"path['key']\"")
        return dict(source=text.strip())
    source, element = found.group('source').strip(), found.group('element').strip()
    if re.fullmatch(r'-?\d+', element):
        return dict(source=source, index=int(element))
    return dict(source=source, key=element.strip('\'"'))


class TapsComplete(BaseException):
    """Raised by :meth:`TapSet.recording` with ``stop_when_complete`` once every tap has
    recorded, to end the forward pass there (see the package docstring for why this
    is safe in third-party model code).

    A ``BaseException``, like ``KeyboardInterrupt``, so that a model's
    ``except Exception`` handler lets it through; the ``finally`` blocks and
    context managers of the model run as for any exception on the way out. A
    model whose bare ``except:`` catches it anyway (and returns, or runs on) keeps
    the records right: every tap has recorded its one value, and any further
    record raises it again."""


class TapSet:
    """Builds taps from config and records them during a forward pass.

    Args:
        cfgs: ``{name: tap config}``; a plain string is short for a
            ``ModuleOutputTap`` on that path, with an optional element:
            ``'neck[0]'`` (index), ``"neck['p3']"`` (key).
        owner: Name of the model in errors and record keys (``student``/``teacher``).
    """

    def __init__(self, cfgs: Dict[str, Any], owner: str) -> None:
        self.owner = owner
        self.taps: Dict[str, BaseTap] = {}
        for name, cfg in (cfgs or {}).items():
            if isinstance(cfg, str):
                cfg = dict(type='ModuleOutputTap', **parse_tap(cfg))
            self.taps[name] = TASK_UTILS.build(cfg)
            self.taps[name].where = f'{owner}_taps.{name}'

    def check(self, model: nn.Module) -> None:
        for tap in self.taps.values():
            tap.check(model, self.owner)

    @contextmanager
    def recording(self, model: nn.Module,
                  stop_when_complete: bool = False) -> Iterator[Dict[str, BaseTap]]:
        """Record every tap while the block runs.

        Args:
            model: The model the taps are attached to.
            stop_when_complete: Raise :class:`TapsComplete` as soon as every tap
                has recorded a value, so that a forward pass run only for its
                taps stops there (the caller catches it). Only safe when each
                tap records once and nothing later changes the value in place,
                which :meth:`kept_first_records` tells after a full pass.
        """
        detach = []
        taps = list(self.taps.values())

        def check_complete() -> None:
            if all(tap.records for tap in taps):
                raise TapsComplete

        try:
            for tap in taps:
                tap.reset()
                tap.on_store = check_complete if stop_when_complete else None
                detach.append(tap.attach(model, self.owner))
            yield self.taps
        finally:
            for stop in detach:
                stop()
            for tap in taps:
                tap.on_store = None

    def kept_first_records(self) -> bool:
        """After a full recorded pass: whether every tap recorded exactly once and
        kept that value to the end of the pass (so stopping at the last tap
        changes no recorded value)."""
        return bool(self.taps) and all(tap.kept_first_record() for tap in self.taps.values())

    def load(self, values: Dict[str, Any]) -> None:
        """Set every tap's record from ``{tap name: value}`` (values read from a
        cache instead of a forward pass)."""
        for name, tap in self.taps.items():
            tap.reset()
            tap.records.append(values[name])

    def values(self) -> Dict[str, Any]:
        return {f'{self.owner}.{name}': tap.value for name, tap in self.taps.items()}

"""A named set of taps on one model, recorded together."""
from contextlib import contextmanager
from typing import Any, Dict, Iterator

from torch import nn

from sfkd.registry import TASK_UTILS

from .taps import BaseTap


class TapSet:
    """Builds taps from config and records them during a forward pass.

    Args:
        cfgs: ``{name: tap config}``; a plain string is short for a
            ``ModuleOutputTap`` on that path.
        owner: Name of the model in errors and record keys (``student``/``teacher``).
    """

    def __init__(self, cfgs: Dict[str, Any], owner: str) -> None:
        self.owner = owner
        self.taps: Dict[str, BaseTap] = {}
        for name, cfg in (cfgs or {}).items():
            if isinstance(cfg, str):
                cfg = dict(type='ModuleOutputTap', source=cfg)
            self.taps[name] = TASK_UTILS.build(cfg)

    def check(self, model: nn.Module) -> None:
        for tap in self.taps.values():
            tap.check(model, self.owner)

    @contextmanager
    def recording(self, model: nn.Module) -> Iterator[Dict[str, BaseTap]]:
        """Record every tap while the block runs."""
        detach = []
        try:
            for tap in self.taps.values():
                tap.reset()
                detach.append(tap.attach(model, self.owner))
            yield self.taps
        finally:
            for stop in detach:
                stop()

    def values(self) -> Dict[str, Any]:
        return {f'{self.owner}.{name}': tap.value for name, tap in self.taps.items()}

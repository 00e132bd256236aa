"""A config whose pretty text is formatted once per content.

MMEngine formats a config's text (``Config.pretty_text``, through yapf) each time a
run logs it, dumps it, hands it to the visualizer or stores it in a checkpoint's
meta: five times for a short training run, a few tenths of a second each. The text
of the same content is the same every time, so :class:`FormattedOnceConfig` keeps the
formatted text of the contents it has seen (the last :data:`KEPT` of them, keyed by
the unformatted text) and formats only what changed. What it returns is exactly
MMEngine's text. sfkd's runner holds its config as one.

``SFKD_FORMAT_CONFIG=0`` in the environment skips the formatting altogether: the
logs and dumps hold the same config, valid Python, unwrapped. It saves a few tenths
of a second at the start of every run, which adds up over many short runs (sfkd's
test suite sets it).
"""
import copy
import os
from collections import OrderedDict

from mmengine.config import Config

#: how many formatted texts are kept, most recently used first
KEPT = 32
#: ``SFKD_FORMAT_CONFIG=0`` leaves the config text unformatted
FORMAT_ENV = 'SFKD_FORMAT_CONFIG'
_formatted: 'OrderedDict[str, str]' = OrderedDict()


class FormattedOnceConfig(Config):
    """A :class:`mmengine.config.Config` whose ``pretty_text`` is formatted once per
    content (see the module docstring)."""

    @property
    def pretty_text(self) -> str:
        if not self._format_python_code:
            return super().pretty_text
        super(Config, self).__setattr__('_format_python_code', False)
        try:
            raw = super().pretty_text
        finally:
            super(Config, self).__setattr__('_format_python_code', True)
        if os.environ.get(FORMAT_ENV) == '0':
            return raw
        text = _formatted.get(raw)
        if text is None:
            text = super().pretty_text
            _formatted[raw] = text
            while len(_formatted) > KEPT:
                _formatted.popitem(last=False)
        else:
            _formatted.move_to_end(raw)
        return text


def formatted_once(cfg: Config) -> Config:
    """A copy of ``cfg`` as a :class:`FormattedOnceConfig` (the same object if it is one);
    a subclass of ``Config`` other than MMEngine's own is returned as it is."""
    if type(cfg) is not Config:
        return cfg
    other = copy.copy(cfg)
    object.__setattr__(other, '__class__', FormattedOnceConfig)
    return other

"""The temperature option of a logit loss: a number, or a module that gives the temperature.

A loss that divides logits by a temperature (``KDLoss``, ``DKDLoss``,
``DISTLoss``, ``WSLDLoss``) mixes in :class:`TemperatureScaled` and keeps
``temperature_option(tau)`` as ``self.temperature``. Its formulas read
``self.tau``: the number as configured, or, where ``tau`` was given as a
:class:`Temperature` (e.g. ``dict(type='LearnableTemperature')``), that module's
current output, a 0-d tensor that carries the temperature's gradient. Each read
calls the module once; the loss's value is the same as with the number it gives.
"""
from typing import Union

from torch import Tensor, nn

from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..model_config import build_model


class Temperature(nn.Module):
    """Base of the modules a loss can take as its temperature: ``forward()``, with
    no arguments, returns the current temperature as a positive 0-d tensor."""

    def forward(self) -> Tensor:
        raise NotImplementedError


def temperature_option(value, name: str = 'tau') -> Union[float, Temperature]:
    """A loss's temperature ``value`` checked: a positive number (as a float), a
    :class:`Temperature`, or a temperature config such as
    ``dict(type='LearnableTemperature')``, built."""
    if isinstance(value, dict):
        value = build_model(value, name)
        if not isinstance(value, Temperature):
            raise BadConfigError(
                f'{name} is a {type(value).__name__}, not a temperature; give a number, or '
                "a temperature module such as dict(type='LearnableTemperature')")
    if isinstance(value, Temperature):
        return value
    return number(value, name, above=0, why='a softmax temperature')


class TemperatureScaled:
    """Mixin of a loss whose softmax temperature ``self.temperature`` was set by
    :func:`temperature_option`; ``self.tau`` is its current value."""

    @property
    def tau(self) -> Union[float, Tensor]:
        """The temperature to use now: the configured number, or the module's output."""
        temperature = self.temperature
        return temperature() if isinstance(temperature, Temperature) else temperature

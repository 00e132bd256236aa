"""Temperatures of logit losses: fixed numbers, or modules that learn them (CTKD)."""
from .gradient_reversal import reverse_gradient
from .learnable_temperature import LearnableTemperature, curriculum_strength
from .temperature_option import Temperature, TemperatureScaled, temperature_option

__all__ = ['LearnableTemperature', 'Temperature', 'TemperatureScaled', 'curriculum_strength',
           'reverse_gradient', 'temperature_option']

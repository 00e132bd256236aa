"""Models: backbones, taps, connectors, distill losses, regularisers, algorithms."""
from . import (algorithms, backbones, connectors, discriminators, losses,  # noqa: F401
               regularizers, taps, teacher_inputs)

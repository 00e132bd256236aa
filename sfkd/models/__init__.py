"""Models: backbones, taps, connectors, distill losses, regularisers, algorithms."""
from . import (algorithms, backbones, connectors, losses, regularizers,  # noqa: F401
               taps)

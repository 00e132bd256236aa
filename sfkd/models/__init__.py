"""Models: backbones, MRI cascades, taps, connectors, distill losses, regularisers, algorithms."""
from . import (algorithms, backbones, connectors, losses, mri,  # noqa: F401
               regularizers, taps)

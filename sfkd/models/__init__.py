"""Models: backbones, MRI cascades, taps, connectors, distill losses, regularisers, algorithms."""
from . import (algorithms, backbones, connectors, discriminators, losses, mri,  # noqa: F401
               regularizers, taps, teacher_inputs)

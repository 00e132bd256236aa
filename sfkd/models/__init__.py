"""Models: backbones, heads, MRI cascades, taps, connectors, distill losses, regularisers,
initialisers, algorithms, teacher sources, temperatures."""
from . import (algorithms, backbones, connectors, discriminators, heads,  # noqa: F401
               initializers, losses, mri, regularizers, taps, teacher_inputs,
               teacher_sources, temperatures)

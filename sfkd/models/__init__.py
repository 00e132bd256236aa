"""Models: backbones, MRI cascades, taps, connectors, distill losses, regularisers,
initialisers, algorithms, teacher sources."""
from . import (algorithms, backbones, connectors, discriminators, initializers,  # noqa: F401
               losses, mri, regularizers, taps, teacher_inputs, teacher_sources)

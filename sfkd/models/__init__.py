"""Models: backbones, taps, connectors, distill losses and the algorithms."""
from . import algorithms, backbones, connectors, losses, taps  # noqa: F401  (registration)

"""Models: backbones, distill losses, and the algorithms that train with them."""
from . import backbones, losses  # noqa: F401  (register their modules)

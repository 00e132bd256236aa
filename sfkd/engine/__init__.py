"""Engine: safe checkpoints, distributed set-up on CPU or GPU, hooks."""
from .safe_load import allow_mmengine_checkpoint_types

__all__ = ['allow_mmengine_checkpoint_types']

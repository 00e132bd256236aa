"""Initialisers: load a model's start from another run's checkpoint (``student_init``)."""
from .mapped_checkpoint_loader import MappedCheckpointLoader, build_initializer

__all__ = ['MappedCheckpointLoader', 'build_initializer']

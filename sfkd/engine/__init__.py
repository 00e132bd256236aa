"""Engine: safe checkpoints, distributed set-up on CPU or GPU, hooks."""
from .hooks import ExportStudentHook
from .safe_load import allow_mmengine_checkpoint_types

__all__ = ['ExportStudentHook', 'allow_mmengine_checkpoint_types']

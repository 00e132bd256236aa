"""Engine: safe checkpoints, distributed set-up on CPU or GPU, hooks."""
from .distill_val_loop import DistillValLoop
from .hooks import ExportSubmodelHook
from .safe_load import allow_mmengine_checkpoint_types

__all__ = ['DistillValLoop', 'ExportSubmodelHook', 'allow_mmengine_checkpoint_types']

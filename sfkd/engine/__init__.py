"""Engine: safe checkpoints, distributed set-up on CPU or GPU, hooks."""
from sfkd.utils.safe_load import allow_mmengine_checkpoint_types

from .atomic_write import install_atomic_local_writes
from .checked_test_loop import CheckedTestLoop
from .distill_val_loop import DistillValLoop
from .distiller_optim_constructor import DistillerOptimWrapperConstructor
from .hooks import ExportSubmodelHook, NonFiniteLossHook
from .resumable_train_loop import ResumableEpochBasedTrainLoop
from .runner import SfkdRunner

__all__ = ['CheckedTestLoop', 'DistillValLoop', 'DistillerOptimWrapperConstructor', 'ExportSubmodelHook',
           'NonFiniteLossHook',
           'ResumableEpochBasedTrainLoop', 'SfkdRunner', 'install_atomic_local_writes',
           'allow_mmengine_checkpoint_types']

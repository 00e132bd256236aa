"""Hooks registered in sfkd's HOOKS registry."""
from .config_teacher_cache_hook import ConfigTeacherCacheHook
from .data_check_hook import DataCheckHook
from .export_submodel_hook import ExportSubmodelHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .sample_interval_hook import SampleIntervalHook
from .teacher_cache_hook import TeacherCacheHook
from .training_progress_hook import TrainingProgressHook

__all__ = ['ConfigTeacherCacheHook', 'DataCheckHook', 'ExportSubmodelHook', 'NonFiniteLossError',
           'NonFiniteLossHook', 'SampleIntervalHook', 'TeacherCacheHook', 'TrainingProgressHook']

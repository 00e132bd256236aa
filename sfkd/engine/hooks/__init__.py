"""Hooks registered in sfkd's HOOKS registry."""
from .data_check_hook import DataCheckHook
from .export_submodel_hook import ExportSubmodelHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .teacher_cache_hook import TeacherCacheHook

__all__ = ['DataCheckHook', 'ExportSubmodelHook', 'NonFiniteLossError', 'NonFiniteLossHook',
           'TeacherCacheHook']

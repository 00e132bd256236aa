"""Hooks registered in sfkd's HOOKS registry."""
from .data_check_hook import DataCheckHook
from .export_submodel_hook import ExportSubmodelHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook

__all__ = ['DataCheckHook', 'ExportSubmodelHook', 'NonFiniteLossError', 'NonFiniteLossHook']

"""Hooks registered in sfkd's HOOKS registry."""
from .export_submodel_hook import ExportSubmodelHook

__all__ = ['ExportSubmodelHook']

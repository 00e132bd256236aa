"""Hooks registered in sfkd's HOOKS registry."""
from .export_student_hook import ExportStudentHook

__all__ = ['ExportStudentHook']

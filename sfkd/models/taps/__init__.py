"""Taps: record module outputs, inputs and method outputs by dotted path."""
from .dry_run import check_input_shape, dry_run
from .module_paths import resolve_module
from .tap_set import TapsComplete, TapSet
from .taps import BaseTap, MethodOutputTap, ModuleInputTap, ModuleOutputTap

__all__ = ['BaseTap', 'check_input_shape', 'dry_run', 'MethodOutputTap', 'ModuleInputTap',
           'ModuleOutputTap', 'TapsComplete', 'TapSet', 'resolve_module']

"""Utilities, below the data sets, metrics and models: errors, option checks, checkpoint
reading and safe loading, config loading, dependency checks, config packaging, and
:func:`register_all_modules`."""
from .dependencies import check_dependencies
from .setup_env import register_all_modules

__all__ = ['check_dependencies', 'register_all_modules']

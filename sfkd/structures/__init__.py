"""Structures: the constants and data types that several sfkd layers share.

The bottom of sfkd's layers (see ``tests/helpers/import_layers.py``): nothing
here imports another sfkd module, so data sets, metrics, models, the engine
and the commands can all use it without importing one another.
"""
from .state_dict_layout import StateDictLayout, register_state_dict_layout, state_dict_layouts
from .teacher_cache_slot import SLOT_KEY

__all__ = ['SLOT_KEY', 'StateDictLayout', 'register_state_dict_layout', 'state_dict_layouts']

"""The checkpoint reader, now :mod:`sfkd.utils.checkpoint_io` (below the models, which
load checkpoints themselves); this name stays for code that imports it from the engine.

Importing it here also imports the wrapper models, so their state-dict layouts are
registered (:mod:`sfkd.structures.state_dict_layout`) and a wrapper checkpoint given
for a plain model is always named as such.
"""
from sfkd.models.algorithms.teacher_algorithm import KD_FROM_SFTN  # noqa: F401
from sfkd.utils.checkpoint_io import (load_mapped_weights, load_weights,  # noqa: F401
                                      map_keys, mismatch, outermost_modules, read_checkpoint,
                                      read_state_dict, state_part, wrapper_hint, wrapper_kind,
                                      wrapper_layout)

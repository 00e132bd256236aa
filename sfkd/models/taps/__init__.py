"""Taps: record module outputs, inputs and method outputs by dotted path.

Early stop of a frozen teacher. A forward pass run only for its taps (the
frozen teacher's, by :class:`~sfkd.models.teacher_sources.LiveTeacher`) ends
as soon as every tap has recorded: the tap that records last raises
:class:`TapsComplete` from its hook, inside the model's ``forward``, and the
caller catches it right around that call. This is safe in code sfkd does not
own (an mmdet detector, an mmseg segmentor, a user's model):

- it is used only when the build-time dry run shows that nothing after the
  last tap could change a record: each tap recorded exactly once in a whole
  pass, and no in-place operation altered a record later; else the pass runs
  to its end;
- the pass runs in eval mode with no gradient, for records only: the rest of
  the pass (a detector's head, its post-processing) would have fed nothing,
  and a stopped pass leaves no graph, no gradient and no optimiser state;
- ``TapsComplete`` is a ``BaseException``, so ``except Exception`` handlers in
  model code let it through; ``finally`` blocks and ``with`` blocks (autocast,
  mode switches) still run on the way out, and the taps' hooks are removed by
  :meth:`TapSet.recording` whatever happens;
- a model that swallows it (a bare ``except:``) and returns, or runs on,
  leaves the same records: each tap has its one value (the dry run showed
  that none records twice), and any later record raises it again.
"""
from .dry_run import check_input_shape, dry_run
from .module_paths import resolve_module
from .tap_set import TapsComplete, TapSet
from .taps import BaseTap, MethodOutputTap, ModuleInputTap, ModuleOutputTap

__all__ = ['BaseTap', 'check_input_shape', 'dry_run', 'MethodOutputTap', 'ModuleInputTap',
           'ModuleOutputTap', 'TapsComplete', 'TapSet', 'resolve_module']

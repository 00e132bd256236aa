"""A config's top-level ``teacher_cache = dict(...)`` turns the teacher-output cache on."""
from typing import Optional

from mmengine.hooks import Hook

from sfkd.engine.hooks.teacher_cache_hook import TeacherCacheHook
from sfkd.registry import HOOKS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import unexpected_option

KEY = 'teacher_cache'


def teacher_cache_hook(options) -> TeacherCacheHook:
    """The :class:`TeacherCacheHook` that ``teacher_cache = options`` asks for.

    Raises:
        BadConfigError: ``options`` is not a dict of the hook's arguments, or one
            of them is refused.
    """
    if not isinstance(options, dict):
        raise BadConfigError(f'{KEY} must be a dict of TeacherCacheHook options, e.g. '
                             f"dict(root='work_dirs/teacher_cache'), got {options!r}")
    options = {k: v for k, v in options.items() if k != 'type'}
    try:
        return TeacherCacheHook(**options)
    except TypeError as err:
        message = str(err)
        raise BadConfigError(f'{KEY}: ' + (unexpected_option(message, TeacherCacheHook) or
                                           message)) from None


@HOOKS.register_module()
class ConfigTeacherCacheHook(Hook):
    """Runs a :class:`TeacherCacheHook` built from the config's top-level ``teacher_cache``.

    sfkd's default runtime (``configs/_base_/default_runtime.py``) names this hook
    in ``default_hooks``, so every runner built from an sfkd config has it, and
    ``teacher_cache = dict(root=..., storage=..., views=...)`` in the config (or
    ``--cfg-options teacher_cache.root=...``, or ``cfg_options`` of
    :func:`sfkd.apis.train`) turns the cache on with those arguments. Without
    ``teacher_cache`` it does nothing, and so it does in a run whose
    ``custom_hooks`` hold a :class:`TeacherCacheHook` of their own.

    It fills and installs the cache before training, at the cache hook's own
    priority, and gives the model its live teacher back after training.
    """

    priority = TeacherCacheHook.priority

    def __init__(self) -> None:
        self.hook: Optional[TeacherCacheHook] = None

    def before_train(self, runner) -> None:
        self.hook = None
        options = runner.cfg.get(KEY)
        if not options or any(isinstance(h, TeacherCacheHook) for h in runner.hooks):
            return
        self.hook = teacher_cache_hook(options)
        self.hook.before_train(runner)

    def after_train(self, runner) -> None:
        if self.hook is not None:
            self.hook.after_train(runner)

"""Register every sfkd module and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every sfkd module that registers something.

    Args:
        init_default_scope: Also make ``sfkd`` the current default scope, so
            that unprefixed types resolve in sfkd's registries first.
    """
    import sfkd.datasets.dense  # noqa: F401
    import sfkd.engine  # noqa: F401
    import sfkd.evaluation  # noqa: F401
    import sfkd.models  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('sfkd', scope_name='sfkd')
    elif current.scope_name != 'sfkd':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "sfkd"; '
                      'a new default scope named "sfkd" is created for this call.')
        name = f'sfkd-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='sfkd')

"""sfkd: student-friendly knowledge distillation on MMEngine.

Importing sfkd imports only its bottom layers and changes no other library's
behaviour: it checks the versions of its dependencies, lets MMEngine resolve
``sfkd::`` config paths, and adds MMEngine's checkpoint types to torch's
safe-loading allow-list (:mod:`sfkd.utils.safe_load`). MMEngine's local file
writes become atomic only where sfkd's runner is built, or where a program
opts in with :func:`sfkd.engine.install_atomic_local_writes`.
"""
from .utils.config_package import register_config_package
from .utils.dependencies import check_dependencies
from .utils.safe_load import allow_mmengine_checkpoint_types
from .version import __version__

check_dependencies()
register_config_package()
allow_mmengine_checkpoint_types()

__all__ = ['__version__']

"""sfkd: student-friendly knowledge distillation on MMEngine."""
from .utils.dependencies import check_dependencies
from .utils.config_package import register_config_package
from .engine.atomic_write import install_atomic_local_writes
from .engine.safe_load import allow_mmengine_checkpoint_types
from .version import __version__

check_dependencies()
register_config_package()
allow_mmengine_checkpoint_types()
install_atomic_local_writes()

__all__ = ['__version__']

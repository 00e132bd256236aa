"""Refuse an empty training set before the first iteration."""
from mmengine.hooks import Hook

from sfkd.registry import HOOKS
from sfkd.utils.errors import BadConfigError


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Raises a clear error when the training set has no samples.

    An empty dataset would otherwise "train" zero iterations, or fail deep
    inside the data loader. sfkd's default runtime names it in ``default_hooks``
    (``data_check``), so every runner built from an sfkd config has it.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        check_not_empty(runner.train_dataloader.dataset)


def check_not_empty(dataset, name: str = 'train_dataloader') -> None:
    """Raise :class:`BadConfigError` if ``dataset`` has no samples."""
    if len(dataset) == 0:
        root = getattr(dataset, 'data_root', None)
        raise BadConfigError(
            f'{name}.dataset ({type(dataset).__name__}, data_root={root!r}) has no samples; '
            'check data_root, the annotation file and `indices`')

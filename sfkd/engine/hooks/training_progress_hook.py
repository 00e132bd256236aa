"""Tell the model where the run is (epoch, schedule length) before training and each epoch."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from sfkd.models.training_progress import set_progress
from sfkd.registry import HOOKS


@HOOKS.register_module()
class TrainingProgressHook(Hook):
    """Calls ``set_progress(epoch, max_epochs, max_iters)`` on the model.

    Models whose training step depends on the run's progress (SFTN's
    branch warm-up and regularisers, ``LipschitzRegularizer(steps='auto')``) mix in
    :class:`sfkd.models.training_progress.ProgressAware`; this hook sets their
    progress from the runner: ``runner.epoch`` (0-based), ``runner.max_epochs``
    (an iteration-based loop counts as one epoch) and ``runner.max_iters``, before
    training (also after a resume) and before every training epoch, as mmdet's
    ``SetEpochInfoHook`` calls ``model.set_epoch``. The model is unwrapped from
    DDP first; a model without progress-aware parts is left alone.
    sfkd's default runtime names it in ``default_hooks`` (``training_progress``),
    so every runner built from an sfkd config has it; :class:`SfkdRunner` adds it
    to a config without it.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        self._set(runner)

    def before_train_epoch(self, runner) -> None:
        self._set(runner)

    @staticmethod
    def _set(runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        set_progress(model, runner.epoch, runner.max_epochs, runner.max_iters)

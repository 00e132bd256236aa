"""MMEngine's Runner, with the config dump in the work dir written only by a run that
has produced something there, the work dir's checkpoints checked before a resume, and
the training progress handed to the model."""
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from sfkd.datasets.split_overlap import check_split_overlap
from sfkd.engine.hooks.training_progress_hook import TrainingProgressHook
from sfkd.engine.resume import check_fits, checkpoint_to_resume, overwrite_warning
from sfkd.registry import RUNNERS


@RUNNERS.register_module()
class SfkdRunner(Runner):
    """A :class:`mmengine.runner.Runner` that defers ``<work_dir>/<config name>.py``.

    MMEngine writes the config dump when the Runner is built, so a run that
    then fails (a typo found at the first iteration, a non-finite loss)
    replaces the dump of the earlier run whose checkpoints are still in the
    work dir. Here the dump is written just before the run's first checkpoint
    and at the end of training, so it always describes the run that wrote the
    checkpoints next to it. A test run never writes it. The config of every
    run, failed or not, is still kept in its own log dir
    (``<work_dir>/<timestamp>/vis_data/config.py``).

    Before anything is loaded or trained, a resume is resolved and checked
    (:mod:`sfkd.engine.resume`): without a path it continues from the work dir's own
    newest checkpoint, a checkpoint that does not fit the model is refused, and a
    run that will write over checkpoints it did not write says so.

    Before training, validating or testing, the set that will be scored is
    compared with the training set (:func:`check_split_overlap`): one that
    shares subjects or slices with it is refused, since its metrics would score
    data the model was trained on.

    Every run has a :class:`TrainingProgressHook` (added when the config's
    ``custom_hooks`` lack one), so the models that read the run's epoch and
    length (:mod:`sfkd.models.training_progress`) are told them.
    """

    _config_dumped = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._check_work_dir()

    def _check_work_dir(self) -> None:
        if self._resume and self._load_from is None:
            found, why = checkpoint_to_resume(self.work_dir)
            if found:
                self.logger.info(f'--resume: continuing from {found} ({why})')
                self._load_from = found
            else:
                self.logger.warning(f'--resume: no checkpoint to continue from ({why}); '
                                    'training from the start')
                self._resume = False  # MMEngine would follow last_checkpoint elsewhere
        if self._resume:
            model = self.model.module if is_model_wrapper(self.model) else self.model
            check_fits(self._load_from, model, self.work_dir, self.cfg.get('model'))

    def register_custom_hooks(self, hooks) -> None:
        super().register_custom_hooks(hooks)
        if not any(isinstance(hook, TrainingProgressHook) for hook in self._hooks):
            self.register_hook(TrainingProgressHook())

    def dump_config(self) -> None:
        """Called by the Runner at build time: deferred (see the class docstring)."""

    def _dump_config_once(self) -> None:
        if not self._config_dumped:
            super().dump_config()
            self._config_dumped = True

    def save_checkpoint(self, *args, **kwargs) -> None:
        self._dump_config_once()
        super().save_checkpoint(*args, **kwargs)

    def train(self):
        check_split_overlap(self.cfg, 'val_dataloader')
        # only a training run writes checkpoints (a test run with the same work dir does not)
        warning = overwrite_warning(self.work_dir, self._load_from if self._resume else None)
        if warning:
            self.logger.warning(warning)
        model = super().train()
        self._dump_config_once()
        return model

    def val(self):
        check_split_overlap(self.cfg, 'val_dataloader')
        return super().val()

    def test(self):
        check_split_overlap(self.cfg, 'test_dataloader')
        return super().test()

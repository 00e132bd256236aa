"""MMEngine's Runner, with the config dump in the work dir written only by a run that
has produced something there, the work dir's checkpoints checked before a resume, the
training progress handed to the model, and a run name of its own for every runner of a
process.

sfkd's default runtime names it (``runner_type``); the meaning of an sfkd config
(its hooks, its train loop and what that loop sets up) does not depend on it:
MMEngine's own ``Runner.from_cfg`` trains the same run."""
from typing import Dict, List, Optional, Union

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from sfkd.datasets.split_overlap import check_split_overlap
from sfkd.engine.atomic_write import install_atomic_local_writes
from sfkd.engine.config_text import formatted_once
from sfkd.engine.hooks.training_progress_hook import TrainingProgressHook
from sfkd.engine.resume import check_fits, checkpoint_to_resume
from sfkd.registry import RUNNERS


# the run stamps (``<work_dir>/<stamp>/``, the experiment name's end) this process's
# runners have taken
_STAMPS_TAKEN = set()

# the default hooks of MMEngine's runner, which a config may leave out with None
MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler',
                          'checkpoint')


def _hook_type(hook) -> Optional[str]:
    """The class name a hook config (or hook) names, without its scope."""
    if isinstance(hook, Hook):
        return type(hook).__name__
    kind = hook.get('type') if isinstance(hook, dict) else None
    if isinstance(kind, type):
        return kind.__name__
    return kind.rsplit('.', 1)[-1] if isinstance(kind, str) else None


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
    newest checkpoint, and a checkpoint that does not fit the model is refused.

    Each runner of a process gets a stamp of its own. MMEngine stamps a run with the
    second it was built (``20261207_235632``) and keys its logger, visualizer and
    message hub by ``<config name>_<stamp>``; a second runner of the same config built
    in the same second would get the first one's, and log into the first run's folder.
    Here it is stamped ``20261207_235632_2`` instead. Every rank of a distributed run
    builds the same runners in the same order, so the ranks agree on the stamp.

    Before validating alone (``runner.val()``), the set that will be scored is
    compared with the training set (:func:`check_split_overlap`): one that
    shares subjects or slices with it is refused, since its metrics would score
    data the model was trained on. Training and testing get that check, and the
    warning of a run that will write over checkpoints it did not write, from
    sfkd's train and test loops, under any runner.

    Every run has a :class:`TrainingProgressHook` (added when the config's hooks
    lack one), so the models that read the run's epoch and length
    (:mod:`sfkd.models.training_progress`) are told them. A hook type that both
    ``default_hooks`` and ``custom_hooks`` name is registered once, as
    ``custom_hooks`` configure it, and a ``default_hooks`` entry set to ``None``
    is left out (MMEngine's own runner accepts ``None`` only for its own six).

    MMEngine's local file writes (checkpoints, ``last_checkpoint``, the config
    dump) become atomic when it is built
    (:func:`~sfkd.engine.atomic_write.install_atomic_local_writes`). Its config formats
    its text once per content (:mod:`sfkd.engine.config_text`), not at each log, dump
    and checkpoint.
    """

    _config_dumped = False

    def __init__(self, *args, **kwargs) -> None:
        install_atomic_local_writes()
        if isinstance(kwargs.get('cfg'), Config):
            kwargs['cfg'] = formatted_once(kwargs['cfg'])
        super().__init__(*args, **kwargs)
        self._check_work_dir()

    def setup_env(self, env_cfg: Dict) -> None:
        super().setup_env(env_cfg)
        stamp, n = self._timestamp, 1
        while stamp in _STAMPS_TAKEN:
            n += 1
            stamp = f'{self._timestamp}_{n}'
        _STAMPS_TAKEN.add(stamp)
        self._timestamp = stamp

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

    def register_hooks(self, default_hooks: Optional[Dict[str, Union[Hook, Dict]]] = None,
                       custom_hooks: Optional[List[Union[Hook, Dict]]] = None) -> None:
        if default_hooks:
            named = {_hook_type(h) for h in custom_hooks or []} - {None}
            default_hooks = {
                name: hook for name, hook in default_hooks.items()
                if (hook is not None or name in MMENGINE_DEFAULT_HOOKS)
                and (name in MMENGINE_DEFAULT_HOOKS or _hook_type(hook) not in named)}
        super().register_hooks(default_hooks, custom_hooks)

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
        model = super().train()
        self._dump_config_once()
        return model

    def val(self):
        check_split_overlap(self.cfg, 'val_dataloader')
        return super().val()


"""MMEngine's Runner, with the config dump in the work dir written only by a run that
has produced something there."""
from mmengine.runner import Runner

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
    """

    _config_dumped = False

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

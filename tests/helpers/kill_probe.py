"""A test-only hook that kills its own process with SIGKILL at a given iteration."""
import os
import signal

from mmengine.hooks import Hook

from sfkd.registry import HOOKS


@HOOKS.register_module(force=True)
class KillAtIterHook(Hook):
    """Simulates a preemption: SIGKILL (no clean-up at all) after iteration ``at_iter``."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)

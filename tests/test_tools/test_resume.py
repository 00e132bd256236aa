"""--resume under torch >= 2.6 safe loading gives the same weights as an uninterrupted run."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer
from sfkd_testing import BASELINE_CFG, tiny_options

from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e


class Interrupted(Exception):
    pass


class InterruptAfterEpoch(Hook):
    """Stops training like a preemption, after the checkpoint of epoch ``epoch``."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 == self.epoch:
            raise Interrupted


def test_resume_matches_uninterrupted(tmp_path, fmnist_root):
    options = ['--cfg-options', *tiny_options(train=256, test=64, epochs=2),
               'randomness.seed=123']
    # uninterrupted 2-epoch run
    full = str(tmp_path / 'full')
    train_tool.run([BASELINE_CFG, '--work-dir', full, *options])

    # the same run stopped after epoch 1, then resumed with --resume
    part = str(tmp_path / 'part')
    runner = train_tool.build_runner([BASELINE_CFG, '--work-dir', part, *options])
    runner.register_hook(InterruptAfterEpoch(1), priority='LOWEST')
    with pytest.raises(Interrupted):
        runner.train()
    assert (tmp_path / 'part' / 'epoch_1.pth').is_file()
    assert not (tmp_path / 'part' / 'epoch_2.pth').exists()
    resumed = train_tool.run([BASELINE_CFG, '--work-dir', part, '--resume', *options])
    assert resumed.epoch == 2

    a = torch.load(f'{full}/epoch_2.pth', map_location='cpu', weights_only=True)['state_dict']
    b = torch.load(f'{part}/epoch_2.pth', map_location='cpu', weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6, msg=key)


class Reduce:
    """Pickles as ``func(*args)``: what a malicious checkpoint would contain."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


@pytest.mark.parametrize('payload', [
    Reduce(print, 'pwned'),
    # getattr is allowed only for HistoryBuffer's statistics methods
    Reduce(getattr, HistoryBuffer, '__init__'),
    Reduce(getattr, np.ndarray, 'tofile'),
])
def test_safe_loading_refuses_arbitrary_pickles(tmp_path, payload):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': payload}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_history_buffer_statistics_are_allowed(tmp_path):
    buf = HistoryBuffer()
    buf.update(2.0)
    path = tmp_path / 'hub.pth'
    torch.save({'buf': buf, 'mean': Reduce(getattr, HistoryBuffer, 'mean')}, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['mean'] is HistoryBuffer.mean
    assert loaded['buf'].mean() == 2.0

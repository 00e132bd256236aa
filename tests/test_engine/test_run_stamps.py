"""Two runners of one config built in the same second of one process each log into
their own run folder (sfkd.engine.runner.SfkdRunner.setup_env)."""
import os.path as osp
import time

import pytest
from mmengine.logging import MMLogger
from sfkd_testing import ROOT, tiny_options

from sfkd.tools import train as train_tool

pytestmark = pytest.mark.integration

TINY = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'


def test_runners_built_in_the_same_second_keep_their_own_logs(tmp_path, monkeypatch,
                                                               fmnist_root):
    now = 978307200.0  # 2001-01-01: a second that no other runner of the process took
    monkeypatch.setattr(time, 'time', lambda: now)  # both runners are built in it
    options = tiny_options(train=64, test=32, batch=8, epochs=1)
    first, second = (train_tool.build_runner([TINY, '--work-dir', str(tmp_path / name),
                                              '--cfg-options', *options])
                     for name in ('first', 'second'))
    monkeypatch.undo()
    stamp = time.strftime('%Y%m%d_%H%M%S', time.localtime(now))
    assert first.timestamp == stamp
    assert second.timestamp == f'{stamp}_2'
    assert second.experiment_name != first.experiment_name
    for runner, name in ((first, 'first'), (second, 'second')):
        run_dir = tmp_path / name / runner.timestamp
        assert runner.log_dir == str(run_dir)
        assert MMLogger.get_instance(runner.experiment_name) is runner.logger
        assert osp.isfile(run_dir / f'{runner.timestamp}.log')
        assert osp.isfile(run_dir / 'vis_data' / 'config.py')  # the visualizer's own
    assert second.logger is not first.logger
    assert second.visualizer is not first.visualizer
    assert second.message_hub is not first.message_hub
    second.logger.info('only in the second run')
    for runner, count in ((first, 0), (second, 1)):
        text = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
        assert text.count('only in the second run') == count

"""sfkd.apis.train and sfkd.apis.test: a config in, the runner and the metrics out;
bad input raises sfkd's exceptions, never SystemExit."""
import os.path as osp

import pytest
from mmengine.config import Config
from sfkd_testing import ROOT, tiny_options

from sfkd import apis
from sfkd.apis.pipeline import cfg_options
from sfkd.utils.errors import BadConfigError, CheckpointError, SfkdError

pytestmark = pytest.mark.integration

TINY = 'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py'


def options(**extra) -> dict:
    return {**cfg_options(tiny_options(train=32, test=32, batch=32)), **extra}


def test_train_then_test_return_the_runner_and_the_metrics(tmp_path, fmnist_root):
    work = str(tmp_path / 'work')
    trained = apis.train(TINY, work_dir=work, cfg_options=options())
    assert isinstance(trained, apis.RunResult)
    assert trained.runner.work_dir == work and trained.runner.iter == 1
    assert set(trained.metrics) == {'accuracy/top1'}
    tested = apis.test(TINY, osp.join(work, 'epoch_1.pth'), work_dir=str(tmp_path / 'test'),
                       cfg_options=options())
    # the test set of these options is the validation set: the same score
    assert tested.metrics == trained.metrics
    assert isinstance(tested.metrics['accuracy/top1'], float)


def test_a_loaded_config_is_taken_and_left_unchanged(tmp_path, fmnist_root):
    cfg = Config.fromfile(f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py')
    before = cfg.pretty_text
    result = apis.train(cfg, cfg_options=options(), work_dir=str(tmp_path / 'work'))
    assert result.runner.cfg.train_cfg.max_epochs == 1
    assert cfg.pretty_text == before


@pytest.mark.parametrize('call, error, start', [
    (lambda tmp: apis.train(f'{ROOT}/configs/kd/nope.py', work_dir=tmp), BadConfigError,
     "config file '"),
    (lambda tmp: apis.train(TINY, work_dir=tmp, cfg_options=options(
        **{'train_dataloader.dataset.data_root': '/nope/fm'})), BadConfigError,
     "train_dataloader.dataset.data_root '/nope/fm' does not exist"),
    (lambda tmp: apis.train(TINY, work_dir=tmp, resume='/nope/epoch_1.pth'), CheckpointError,
     "resume='/nope/epoch_1.pth': no such checkpoint file"),
    (lambda tmp: apis.test(TINY, '/nope.pth', work_dir=tmp), CheckpointError, 'test checkpoint'),
    (lambda tmp: apis.train(TINY, work_dir=tmp, cfg_options=options(
        **{'train_cfg.max_epoch': 2})), BadConfigError, '--cfg-options train_cfg.max_epoch: '),
])
def test_bad_input_raises_an_sfkd_error_not_system_exit(tmp_path, call, error, start):
    with pytest.raises(SfkdError) as err:
        call(str(tmp_path / 'work'))
    assert isinstance(err.value, error) and str(err.value).startswith(start)
    assert not isinstance(err.value, SystemExit) and '\n' not in str(err.value)
    assert not (tmp_path / 'work').exists()  # refused before anything was built


def test_the_pipelines_options_reach_the_api_as_the_command_line_reads_them():
    assert cfg_options(['a.b=1', 'c=0.5', 'd=[1, 2]', 'e=(3,4)', 'f=None', 'g=True',
                        'h=x=y', 'i=configs/x.py']) == \
        {'a.b': 1, 'c': 0.5, 'd': [1, 2], 'e': (3, 4), 'f': None, 'g': True, 'h': 'x=y',
         'i': 'configs/x.py'}

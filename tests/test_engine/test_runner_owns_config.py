"""The config means the same run under every runner: sfkd-train and MMEngine's own
``Runner.from_cfg`` get the same hooks, loop, schedule, teacher cache and data roots
(sfkd's default runtime, sfkd's train loop, sfkd.engine.training_setup)."""
import copy
import glob
import json
import math
import os.path as osp

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.runner import Runner
from sfkd_testing import ROOT, tiny_options

import sfkd  # noqa: F401  (sfkd:: paths; MMEngine finds sfkd's registries by the scope)
from sfkd.apis.pipeline import cfg_options
from sfkd.tools import train as train_tool
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

TINY = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FMNIST = osp.join(ROOT, 'data', 'fashion_mnist')


def from_cfg(config: str, work_dir, options) -> Runner:
    """MMEngine's plain Runner, built from the config file with ``options`` merged. Its
    experiment is named after the work dir unless ``options`` name it: MMEngine's runner
    keys its logger and visualizer by the name and the second it is built, and would
    hand an earlier runner's to a second one of the same config and second."""
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(cfg_options(options))
    cfg.work_dir = str(work_dir)
    if not cfg.get('experiment_name'):
        cfg.experiment_name = f'{osp.basename(osp.dirname(work_dir))}-{osp.basename(work_dir)}'
    return Runner.from_cfg(cfg)


def logged_lrs(work_dir) -> list:
    (log, ) = glob.glob(f'{work_dir}/*/vis_data/scalars.json')
    return [row['lr'] for row in map(json.loads, open(log)) if 'loss' in row]


def test_runner_from_cfg_trains_what_the_train_tool_trains(tmp_path, fmnist_root):
    """One epoch of 8 iterations of a 3-epoch config: both runners fit the warm-up of a
    third of an epoch to 3 iterations (rounded to the nearest, where MMEngine would
    round down to 2) and anneal over the other 5, and end with the same weights."""
    options = tiny_options(train=64, test=32, batch=8, epochs=1)
    plain = from_cfg(TINY, tmp_path / 'plain', [*options, 'experiment_name=plain'])
    assert type(plain) is Runner
    plain.train()
    tool = train_tool.run([TINY, '--work-dir', str(tmp_path / 'tool'), '--cfg-options',
                           *options, 'experiment_name=tool'])
    for runner in (plain, tool):
        assert type(runner.train_loop).__name__ == 'ResumableEpochBasedTrainLoop'
    assert [type(h).__name__ for h in plain.hooks] == [type(h).__name__ for h in tool.hooks]
    assert {'DataCheckHook', 'NonFiniteLossHook', 'TrainingProgressHook',
            'ConfigTeacherCacheHook'} <= {type(h).__name__ for h in plain.hooks}
    base_lr = 0.1
    warm = [base_lr * f for f in (0.1, 0.55, 1.0)]
    cosine = [base_lr * (1 + math.cos(math.pi * k / 5)) / 2 for k in range(5)]
    assert logged_lrs(tmp_path / 'plain') == pytest.approx(warm + cosine, rel=1e-6)
    assert logged_lrs(tmp_path / 'tool') == logged_lrs(tmp_path / 'plain')
    mine, theirs = plain.model.state_dict(), tool.model.state_dict()
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    # the config the tool dumped next to its checkpoints schedules the same iterations
    dump = Config.fromfile(tmp_path / 'tool' / 'tiny-resnet_3e_fashion-mnist.py')
    dump.work_dir, dump.experiment_name = str(tmp_path / 'dump'), 'dump'
    again = Runner.from_cfg(dump)
    assert again.train_loop.max_iters == 8
    assert [(s['type'], s['begin'], s['end']) for s in again.param_schedulers] == \
        [('LinearLR', 0, 3), ('CosineAnnealingLR', 3, 8)]


def test_runner_from_cfg_fills_and_reads_the_teacher_cache(tmp_path, fmnist_root):
    from sfkd.datasets.cached_views import CachedViews
    from sfkd.engine.teacher_cache.store import CacheStore
    from sfkd.models.model_config import build_model
    from sfkd.models.teacher_sources import CachedTeacher
    with DefaultScope.overwrite_default_scope('sfkd'):
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    cache = tmp_path / 'cache'
    runner = from_cfg(KD, tmp_path / 'work', [
        *tiny_options(train=32, test=32, batch=16), f'model.teacher_ckpt={ckpt}',
        f'teacher_cache.root={cache}', 'teacher_cache.progress=False'])
    sources, step = [], runner.model.train_step

    def recording_step(*args, **kwargs):
        sources.append(type(runner.model.teacher_source))
        return step(*args, **kwargs)
    runner.model.train_step = recording_step
    runner.train()
    (folder, ) = [p for p in cache.iterdir() if p.is_dir()]
    store = CacheStore(str(folder), CacheStore.read_meta(str(folder)))
    assert store.complete and store.size == 32 and store.views == 1
    assert isinstance(runner.train_loop.dataloader.dataset, CachedViews)  # the cache's data
    assert sources == [CachedTeacher, CachedTeacher]  # both steps read the stored outputs
    assert not isinstance(runner.model.teacher_source, CachedTeacher)  # live again after


def options_without_data_roots(**sizes) -> list:
    return [o for o in tiny_options(**sizes) if '.data_root=' not in o]


def test_runner_from_cfg_resolves_a_relative_data_root_from_another_directory(
        tmp_path, monkeypatch, fmnist_root):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('SFKD_DATA_ROOT', osp.join(ROOT, 'data'))
    runner = from_cfg(TINY, tmp_path / 'work', options_without_data_roots(
        train=32, test=32, batch=32))
    assert Config.fromfile(TINY).train_dataloader.dataset.data_root == 'data/fashion_mnist'
    runner.train()
    assert runner.train_loop.dataloader.dataset.data_root == FMNIST
    assert runner.val_loop.dataloader.dataset.data_root == FMNIST
    assert runner.cfg.train_dataloader.dataset.data_root == FMNIST  # the config it dumps


def test_runner_from_cfg_tests_on_the_data_root_it_resolves(tmp_path, monkeypatch, fmnist_root):
    """``Runner.from_cfg(cfg).test()`` alone (no training) reads the test set from
    SFKD_DATA_ROOT, from another directory; a missing one gets sfkd-test's one line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('SFKD_DATA_ROOT', osp.join(ROOT, 'data'))
    runner = from_cfg(TINY, tmp_path / 'work', options_without_data_roots(test=32))
    metrics = runner.test()
    assert 0 <= metrics['accuracy/top1'] <= 100
    assert runner.test_loop.dataloader.dataset.data_root == FMNIST
    monkeypatch.setenv('SFKD_DATA_ROOT', str(tmp_path / 'nowhere'))
    with pytest.raises(BadConfigError, match=r"^test_dataloader\.dataset\.data_root "
                       r"'data/fashion_mnist' does not exist \(looked in"):
        from_cfg(TINY, tmp_path / 'work2', options_without_data_roots(test=32)).test()


def runner_error(tmp_path, config: str, *options: str) -> str:
    runner = from_cfg(config, tmp_path / 'work', [
        *tiny_options(train=32, test=32, batch=32), *options])
    with pytest.raises(BadConfigError) as err:
        runner.train()
    return str(err.value)


def tool_error(tmp_path, config: str, *options: str) -> str:
    with pytest.raises(SystemExit) as err:
        train_tool.run([config, '--work-dir', str(tmp_path / 'tool'), '--cfg-options',
                        *tiny_options(train=32, test=32, batch=32), *options])
    return str(err.value.code)[len('sfkd: error: '):]


@pytest.mark.parametrize('options, start', [
    (['train_cfg.max_epochs=0'], 'train_cfg.max_epochs=0: nothing would be trained'),
    (['train_dataloader.dataset.data_root=/nope/fm'],
     "train_dataloader.dataset.data_root '/nope/fm' does not exist"),
    (['train_pipeline_from=configs/nope.py'], 'train_pipeline_from=configs/nope.py: no such'),
    (['train_dataloader.dataset.indices=[]', 'train_dataloader.dataset.serialize_data=False'],
     'train_dataloader.dataset (FashionMNIST, '),
    (['teacher_cache.views=0'], 'teacher_cache.views must be a positive int'),
])
def test_runner_from_cfg_refuses_bad_input_with_the_train_tools_message(
        tmp_path, fmnist_root, options, start):
    message = runner_error(tmp_path, TINY, *options)
    assert message.startswith(start) and '\n' not in message
    assert message == tool_error(tmp_path, TINY, *options)


def test_step_milestones_scale_with_the_max_epochs_of_the_config_file():
    """A schedule without an end (MultiStepLR at epochs 150, 180, 210 of 240) scales with
    max_epochs over the file's own max_epochs, which the merged config no longer holds."""
    from types import SimpleNamespace

    from sfkd.engine.training_setup import fit_run_schedules
    cfg = Config.fromfile(f'{ROOT}/configs/_base_/schedules/cifar100_sgd_240e.py')
    cfg.merge_from_dict({'train_cfg.max_epochs': 24})
    runner = SimpleNamespace(cfg=cfg, param_schedulers=copy.deepcopy(cfg.param_scheduler))
    fit_run_schedules(runner, max_epochs=24, epoch_length=10)
    (step, ) = runner.param_schedulers
    assert step['type'] == 'MultiStepLR' and step['milestones'] == [15, 18, 21]
    assert cfg.param_scheduler.milestones == [15, 18, 21]  # the config the run dumps

"""TrainingProgressHook: the runner tells the model the run's epoch and length
(sfkd.models.training_progress), in every run, without MMEngine's message hub."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import BASELINE_CFG, ROOT, tiny_options
from torch import nn

from sfkd.engine.hooks import TrainingProgressHook
from sfkd.models.training_progress import NO_PROGRESS, ProgressAware, set_progress

pytestmark = pytest.mark.unit

WARMUP_CFG = f'{ROOT}/configs/sftn/sftn-finetune-warmup_small-resnet_tiny-resnet_fashion-mnist.py'


class Part(ProgressAware, nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)


def runner_at(model, epoch, max_epochs=3, max_iters=30):
    return SimpleNamespace(model=model, epoch=epoch, max_epochs=max_epochs, max_iters=max_iters)


def test_the_hook_sets_every_progress_aware_part_before_training_and_each_epoch():
    parts = [Part(), Part()]
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(parts[0]), parts[1])
    assert all(p.progress == NO_PROGRESS == (0, None, None) for p in parts)
    hook = TrainingProgressHook()
    hook.before_train(runner_at(model, 1))  # a resumed run starts at its epoch
    assert all(p.progress == (1, 3, 30) for p in parts)
    hook.before_train_epoch(runner_at(model, 2))
    assert all(p.progress == (2, 3, 30) for p in parts)
    hook.before_train(runner_at(nn.Linear(2, 2), 0))  # nothing to tell: left alone


def test_the_hook_unwraps_a_ddp_model(tmp_path):
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
                            world_size=1)
    try:
        part = Part()
        TrainingProgressHook().before_train_epoch(runner_at(MMDistributedDataParallel(part), 2))
        assert part.progress == (2, 3, 30)
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize('args, message', [
    ((-1,), 'epoch must be an integer >= 0, got -1'),
    ((0, 0), 'max_epochs must be an integer >= 1 or None, got 0'),
    ((0, 2, 2.5), 'max_iters must be an integer >= 1 or None, got 2.5'),
])
def test_bad_progress_is_refused(args, message):
    with pytest.raises(ValueError, match=f'^set_progress: {message}$'):
        set_progress(Part(), *args)


def test_a_runner_built_from_a_config_has_the_hook_once(tmp_path, fmnist_root):
    """SfkdRunner adds the hook to a config without it, the same for a runner built from
    the config and for tools/train.py's, and never a second one."""
    from sfkd.engine.runner import SfkdRunner
    from sfkd.tools.train import build_runner
    from sfkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(BASELINE_CFG)
    cfg.work_dir, cfg.experiment_name = str(tmp_path / 'direct'), f'direct-{tmp_path.name}'
    assert not any('TrainingProgressHook' in str(h) for h in cfg.get('custom_hooks') or [])
    named = cfg.copy()  # a config that names the hook itself
    named.custom_hooks = [*(cfg.get('custom_hooks') or []), dict(type='TrainingProgressHook')]
    named.work_dir, named.experiment_name = str(tmp_path / 'named'), f'named-{tmp_path.name}'
    runners = [SfkdRunner.from_cfg(cfg), SfkdRunner.from_cfg(named),
               build_runner([BASELINE_CFG, '--work-dir', str(tmp_path / 'tool'),
                             '--cfg-options', *tiny_options(train=64, test=32, batch=32)])]
    for runner in runners:
        assert sum(isinstance(h, TrainingProgressHook) for h in runner.hooks) == 1


def teacher_weights(state: dict) -> dict:
    return {k[len('teacher.'):]: v for k, v in state.items() if k.startswith('teacher.')}


@pytest.mark.e2e
def test_a_run_freezes_the_teacher_in_the_warm_up_epoch_only(tmp_path, fmnist_root):
    """The SFTN branch warm-up of one epoch in a 2-epoch run: the teacher (weights and
    BatchNorm statistics) is as loaded after epoch 1 and trained after epoch 2."""
    from sfkd.models.model_config import build_model
    from sfkd.tools import train as train_tool
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(Config.fromfile(WARMUP_CFG).model.teacher.to_dict(), 'teacher')
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    work = str(tmp_path / 'work')
    runner = train_tool.run([WARMUP_CFG, '--work-dir', work, '--cfg-options',
                             *tiny_options(train=64, test=32, batch=32, epochs=2),
                             f'model.teacher_ckpt={ckpt}'])
    assert runner.model.progress == (1, 2, 4)  # the last epoch; 2 steps an epoch
    start = teacher.state_dict()
    after = [teacher_weights(torch.load(osp.join(work, f'epoch_{e}.pth'),
                                        map_location='cpu')['state_dict']) for e in (1, 2)]
    assert set(after[0]) == set(start)
    assert all(torch.equal(after[0][k], v) for k, v in start.items())  # frozen in epoch 0
    moved = [k for k, v in start.items() if not torch.equal(after[1][k], v)]
    assert 'head.fc.weight' in moved and any(k.endswith('running_mean') for k in moved)

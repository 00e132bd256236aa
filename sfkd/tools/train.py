"""Train a model from an sfkd config.

Examples::

    python tools/train.py configs/baseline/small-resnet_3e_fashion-mnist.py
    python tools/train.py CONFIG --resume                # latest checkpoint in the work dir
    python tools/train.py CONFIG --resume path/to.pth    # a given checkpoint
    python tools/train.py CONFIG --auto-scale-lr --tensorboard
    bash tools/dist_train.sh CONFIG 8                   # several GPUs (or CPU processes)

Across several nodes, run on each node (torchrun; DDP through MMEngine)::

    NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import DictAction
from mmengine.runner import Runner

from sfkd.engine.checkpoint_io import read_state_dict
from sfkd.engine.distributed import check_sync_bn, setup_distributed, teardown_distributed
from sfkd.engine.hooks.data_check_hook import check_not_empty
from sfkd.engine.resumable_train_loop import use_resumable_loop
from sfkd.engine.runner import SfkdRunner
from sfkd.models.zoo import prefetch as prefetch_zoo_weights
from sfkd.engine.schedule_fit import fit_schedules, settle_fractions
from sfkd.tools._config import (UsageError, add_working_dir_to_path, config_file,
                                default_work_dir, error_last, load_config, one_line_errors)
from sfkd.tools.data_roots import TRAINING, resolve_data_roots
from sfkd.tools.pipeline_from import apply_train_pipeline_from
from sfkd.tools.prebuild import build_loop, build_optim_wrapper, check_param_schedulers
from sfkd.tools.work_dir import check_work_dir
from sfkd.utils import register_all_modules


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model with sfkd')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto', metavar='CKPT',
                        help='resume from CKPT, or from the latest checkpoint in the '
                        'work dir when no path is given')
    parser.add_argument('--amp', action='store_true', help='mixed precision (GPU only)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the total batch size over the '
                        "config's auto_scale_lr.base_batch_size")
    parser.add_argument('--tensorboard', action='store_true',
                        help='also log to TensorBoard (event files under the work dir)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=1')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args: argparse.Namespace):
    cfg = load_config(args.config, args.cfg_options)
    apply_train_pipeline_from(cfg)
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise UsageError('--amp needs a GPU; drop --amp to train on the CPU')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    # every run checks its data first and stops at the first non-finite loss (SfkdRunner
    # itself adds the TrainingProgressHook that tells the model the run's progress)
    hooks = list(cfg.get('custom_hooks') or [])
    for guard in ('DataCheckHook', 'NonFiniteLossHook'):
        if not any(h.get('type') == guard for h in hooks):
            hooks.append(dict(type=guard))
    cache = cfg.get('teacher_cache')
    if cache:  # a top-level teacher_cache=dict(...) turns the teacher-output cache on
        if not any(h.get('type') in ('TeacherCacheHook', 'sfkd.TeacherCacheHook') for h in hooks):
            hooks.append(dict(type='sfkd.TeacherCacheHook', **cache))
    cfg.custom_hooks = hooks
    check_sync_bn(cfg)  # MMEngine ignores it in one process
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    if args.tensorboard:
        add_tensorboard(cfg)
    fit_schedules(cfg, reference_epochs=own_max_epochs(args))
    use_resumable_loop(cfg.get('train_cfg'))
    if args.resume == 'auto':  # the runner finds the checkpoint (sfkd.engine.resume)
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise UsageError(f'--resume {args.resume}: no such checkpoint file')
        read_state_dict(args.resume, owner='--resume')
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def own_max_epochs(args: argparse.Namespace) -> Optional[int]:
    """The ``max_epochs`` the config itself sets (before ``--cfg-options``)."""
    if not any(k.startswith('train_cfg') for k in (args.cfg_options or {})):
        return None
    from mmengine.config import Config
    return (Config.fromfile(config_file(args.config)).get('train_cfg') or {}).get('max_epochs')


def enable_auto_scale_lr(cfg) -> None:
    scale = cfg.get('auto_scale_lr')
    if not scale or not scale.get('base_batch_size'):
        raise UsageError('--auto-scale-lr needs auto_scale_lr = dict(base_batch_size=N) in the '
                         'config: the total batch size its learning rate was set for')
    scale['enable'] = True


def add_tensorboard(cfg) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise UsageError('--tensorboard needs the tensorboard package: pip install tensorboard') \
            from None
    visualizer = cfg.get('visualizer') or dict(type='Visualizer')
    backends = list(visualizer.get('vis_backends') or [dict(type='LocalVisBackend')])
    if not any('TensorboardVisBackend' in str(b.get('type')) for b in backends):
        backends.append(dict(type='TensorboardVisBackend'))
    visualizer['vis_backends'] = backends
    cfg.visualizer = visualizer


def build_runner(argv: Optional[Sequence[str]] = None) -> Runner:
    """Parse the command line and build the Runner, without training."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    resolve_data_roots(cfg, TRAINING)
    prefetch_zoo_weights(cfg.get('model'))
    check_work_dir(cfg.work_dir)
    setup_distributed(cfg)
    runner = SfkdRunner.from_cfg(cfg)
    # build the training data now, so that its config errors are reported as such
    if isinstance(runner._train_dataloader, dict):
        loader = runner.build_dataloader(
            runner._train_dataloader, seed=runner.seed,
            diff_rank_seed=runner._randomness_cfg.get('diff_rank_seed', False))
        check_not_empty(loader.dataset)
        runner._train_dataloader = loader
        # schedulers fitted to a shortened run may span fractions of an epoch
        settle_fractions(runner.param_schedulers, len(loader))
    # and the loops and the optimiser, so that their option typos are reported as such
    build_loop(runner, 'train')
    build_optim_wrapper(runner)
    check_param_schedulers(runner)
    build_loop(runner, 'val')
    return runner


def run(argv: Optional[Sequence[str]] = None) -> Runner:
    """Build the Runner from the command line, train, and return the Runner."""
    with one_line_errors():
        runner = build_runner(argv)
    with one_line_errors(build=False):
        runner.train()
    return runner


def main(argv: Optional[Sequence[str]] = None) -> None:
    add_working_dir_to_path()
    with error_last():
        run(argv)
    teardown_distributed()


if __name__ == '__main__':
    main()

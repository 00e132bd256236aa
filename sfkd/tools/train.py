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
from typing import TYPE_CHECKING, Optional, Sequence

from mmengine.config import DictAction

from sfkd.tools._config import (UsageError, add_working_dir_to_path, default_work_dir,
                                error_last, load_config, one_line_errors)

if TYPE_CHECKING:
    from mmengine.runner import Runner

# The runner, the models and the engine are imported once the command line is read,
# so that ``--help`` and a bad command line answer without them.


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
    """The run's config: the file with ``--cfg-options``, then what the other options
    change (``--amp``, ``--auto-scale-lr``, ``--tensorboard``, ``--resume``, the work dir);
    checked by :func:`sfkd.apis.training.training_config` once sfkd's modules are
    registered. What the config means (hooks, loop, schedule, data) is left to the
    runner that builds it."""
    cfg = load_config(args.config, args.cfg_options)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise UsageError('--amp needs a GPU; drop --amp to train on the CPU')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    if args.tensorboard:
        add_tensorboard(cfg)
    if args.resume == 'auto':  # the runner finds the checkpoint (sfkd.engine.resume)
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise UsageError(f'--resume {args.resume}: no such checkpoint file')
        from sfkd.utils.checkpoint_io import read_state_dict
        read_state_dict(args.resume, owner='--resume')
        cfg.resume, cfg.load_from = True, args.resume
    from sfkd.apis.training import training_config
    from sfkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    return training_config(cfg, work_dir=args.work_dir or cfg.get('work_dir') or
                           default_work_dir(args.config), launcher=args.launcher)


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


def build_runner(argv: Optional[Sequence[str]] = None) -> 'Runner':
    """Parse the command line and build the Runner (:func:`sfkd.apis.build_trainer`),
    without training."""
    cfg = build_config(parse_args(argv))
    from sfkd.apis.training import build_trainer
    return build_trainer(cfg)


def run(argv: Optional[Sequence[str]] = None) -> 'Runner':
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
    from sfkd.engine.distributed import teardown_distributed
    teardown_distributed()


if __name__ == '__main__':
    main()

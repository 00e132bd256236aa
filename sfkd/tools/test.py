"""Evaluate a checkpoint on a config's test set; print and save the metrics.

Example::

    python tools/test.py CONFIG work_dirs/NAME/epoch_3.pth
    python tools/test.py sfkd::baseline/tiny-resnet_3e_fashion-mnist.py student_final.pth
    python tools/test.py CONFIG CKPT --show-dir shown/ --show-interval 100
    bash tools/dist_test.sh CONFIG CKPT 8

Across several nodes, run on each node (torchrun)::

    NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_test.sh CONFIG CKPT 8

The checkpoint is loaded strictly: every key of the config's model must be in
it, with the same shape. A wrapper checkpoint (a Distiller's or an SFTN
teacher's ``epoch_N.pth``) given to a plain model config is refused with the
file to use instead. The metrics are written as JSON to ``--out`` (default:
``<work_dir>/test_metrics.json``).
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import DictAction

from sfkd.tools._config import (add_working_dir_to_path, default_work_dir, error_last,
                                load_config, one_line_errors)

# The runner, the models and the engine are imported once the command line is read,
# so that ``--help`` and a bad command line answer without them.


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint with sfkd')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go (default: ./work_dirs/<config name>)')
    parser.add_argument('--out', help='JSON file for the metrics '
                        '(default: <work_dir>/test_metrics.json)')
    parser.add_argument('--show-dir', help='save drawn predictions (of the test samples '
                        'that --show-interval picks) to this folder')
    parser.add_argument('--show-interval', type=int, default=1, metavar='N',
                        help='draw test samples 0, N, 2N, ...: every N-th sample of the test '
                        'set, counted in samples (not batches) for classification, detection '
                        'and segmentation alike (default: 1, all)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def run(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Evaluate as the command line says (:func:`sfkd.apis.build_tester`); return the
    metrics."""
    args = parse_args(argv)
    with one_line_errors():
        cfg = load_config(args.config, args.cfg_options)
    from mmengine.dist import is_main_process

    from sfkd.apis.run_result import plain_metrics
    from sfkd.apis.testing import build_tester, testing_config
    from sfkd.engine.work_dir import check_writable_dir
    from sfkd.tools.show_dir import add_show_dir
    from sfkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with one_line_errors():
        cfg = testing_config(cfg, args.checkpoint, launcher=args.launcher,
                             work_dir=args.work_dir or cfg.get('work_dir') or
                             default_work_dir(args.config))
        if args.show_dir:
            add_show_dir(cfg, args.show_dir, args.show_interval)
            # checked like the work dir, before anything is drawn
            check_writable_dir(osp.abspath(args.show_dir), 'show dir', '--show-dir')
        runner = build_tester(cfg, args.checkpoint, args.config)
    with one_line_errors(build=False):
        metrics = plain_metrics(runner.test())
    if is_main_process():
        out = args.out or osp.join(cfg.work_dir, 'test_metrics.json')
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint, metrics=metrics),
                      f, indent=2)
        for key, value in metrics.items():
            print(f'{key}: {value:.4f}' if isinstance(value, float) else f'{key}: {value}')
        print(f'metrics saved to {out}')
    return metrics


def main(argv: Optional[Sequence[str]] = None) -> None:
    add_working_dir_to_path()
    with error_last():
        run(argv)
    from sfkd.engine.distributed import teardown_distributed
    teardown_distributed()


if __name__ == '__main__':
    main()

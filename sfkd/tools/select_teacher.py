"""Choose a teacher by its students: a short distillation probe per candidate teacher.

The command of :func:`sfkd.apis.select_teacher.select_teacher` (also
``python tools/select_teacher.py`` in a clone). Each candidate teacher checkpoint
goes into ``--student-config`` as ``model.teacher_ckpt``, and a short run of that
config (``--epochs`` on the first ``--train-size`` training images) trains a probe
student; the candidates are ranked by their probe students' top-1 on the first
``--val-size`` test images, next to each teacher's own top-1, agreement, KL and
calibration. ``--full-results`` (a pipeline's ``results.csv``, a
``candidate,accuracy[,seconds]`` CSV or a JSON ``{candidate: accuracy}``; of several
files, a candidate takes the first that has it) adds the Spearman rank correlation
with the full runs and the probes' cost as a fraction of theirs.

Example::

    python tools/select_teacher.py \\
        work_dirs/pipeline_full/teacher_*/teacher_final.pth \\
        --student-config configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py \\
        --full-results results/pipeline_full/results.csv \\
        --workers 2 --out work_dirs/select_teacher

A candidate is ``PATH``, a glob, or ``NAME=PATH``. Writes ranking.md,
ranking.csv, ranking.png and summary.json to ``--out``.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional, Sequence

from sfkd.utils.errors import SfkdError


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='select_teacher', description=__doc__.splitlines()[0])
    parser.add_argument('candidates', nargs='+',
                        help='teacher checkpoints: PATH, glob or NAME=PATH')
    parser.add_argument('--student-config', required=True,
                        help='a distillation config whose model.teacher_ckpt takes a candidate')
    parser.add_argument('--out', required=True, help='report folder')
    parser.add_argument('--work-dir', help='folder of the probe runs (default: OUT/probes)')
    parser.add_argument('--epochs', type=int, default=1, help='probe epochs (default 1)')
    parser.add_argument('--train-size', type=int, default=8000,
                        help='probe training images, the first N (default 8000; 0: all)')
    parser.add_argument('--val-size', type=int, default=0,
                        help='evaluation images, the first N of the test split (default 0: all)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 1) // 2),
                        help='probes at once, each in its own process (default: half the cores)')
    parser.add_argument('--full-results', nargs='+', metavar='FILE',
                        help='full-run student accuracies: a pipeline results.csv, a '
                        'candidate,accuracy CSV or a JSON {candidate: accuracy}; of several '
                        'files, a candidate takes its value from the first that has it')
    parser.add_argument('--full-method', default='kd',
                        help="KD method of a pipeline results.csv's rows (default kd)")
    parser.add_argument('--full-seconds', type=float,
                        help="the full runs' total seconds (default: their seconds column)")
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='more --cfg-options for every probe run')
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.workers < 1 or args.train_size < 0 or args.val_size < 0:
        parser.error('--epochs and --workers must be >= 1, --train-size and --val-size >= 0')
    if not osp.isfile(args.student_config) and not args.student_config.startswith('sfkd::'):
        parser.error(f'--student-config {args.student_config!r} not found')
    for path in args.full_results or []:
        if not osp.isfile(path):
            parser.error(f'--full-results {path!r} not found')
    args.work_dir = args.work_dir or osp.join(args.out, 'probes')
    return args


def run(argv: Optional[Sequence[str]] = None) -> str:
    """Probe, rank and write the report; return the Markdown table."""
    from sfkd.apis.select_teacher import Probe, select_teacher

    args = parse_args(argv)
    settings = Probe(args.student_config, args.work_dir, epochs=args.epochs,
                     train_size=args.train_size, val_size=args.val_size, seed=args.seed,
                     cfg_options=tuple(args.cfg_options))
    # paths relative to the working directory: a stored command names no machine's folders
    given = sys.argv[1:] if argv is None else list(argv)
    command = ' '.join(['python tools/select_teacher.py'] +
                       [osp.relpath(a) if osp.isabs(a) else a for a in given])
    _, _, table = select_teacher(args.candidates, settings, args.out, workers=args.workers,
                             full_results=args.full_results or (),
                             full_method=args.full_method, full_seconds=args.full_seconds,
                             command=command)
    print(f'\n{table}\n')
    return table


def main(argv: Optional[Sequence[str]] = None) -> None:
    try:
        run(argv)
    except SfkdError as err:
        raise SystemExit(f'sfkd: error: {err}') from None


if __name__ == '__main__':
    main()

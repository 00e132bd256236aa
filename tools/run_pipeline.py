"""Run the two-stage pipeline of a task and report the results.

Teachers (standard, SFTN or SFT, and for classification SoTeacher), then the
student distilled from each with the task's KD methods over several seeds,
and the student alone; writes results.csv, results.md and results.png to the
output folder and prints the table.

Tasks (``--task``):
    cls  Fashion-MNIST classification (the main job): tiny ResNet student, KD, FitNets, AT
    det  detection on the Fashion-MNIST canvases: RetinaNet R18 student, CWD and PKD
    seg  segmentation on the Fashion-MNIST canvases: FCN R18 student, CWD and pixel KD
    mri  MRI reconstruction on T1 slices: DC-CNN D3C5 student, imitation + AT and FitNets

Examples::

    python tools/run_pipeline.py                          # cls, default scale (~13 min on 2 cores)
    python tools/run_pipeline.py --scale full             # the README's classification table
    python tools/run_pipeline.py --task det --scale full  # the README's detection table
    python tools/run_pipeline.py --task mri --scale smoke # the MRI wiring, a few minutes
    python tools/run_pipeline.py --teacher-seeds 0 1 2    # each teacher type over 3 seeds
    python tools/run_pipeline.py --student-weights paper --augment
    python tools/run_pipeline.py --task det --scale full --teachers standard \
        --methods pkd cwd bckd crosskd                    # the dense methods side by side

Re-running continues an interrupted pipeline: finished runs are not repeated.
The switches (``--teachers``, ``--methods``, ``--teacher-seeds`` other than ``0``,
``--student-weights paper``, ``--augment``) change the default output folder, so that their runs never replace
those of the plain pipeline.
"""
import argparse
import dataclasses
import logging
import os.path as osp
import time

from sfkd.apis import get_task, run_with_progress, summarise, task_names, verdict
from sfkd.apis.pipeline import plan
from sfkd.apis.tasks.task import STUDENT_WEIGHTS
from sfkd.tools._config import error_last, one_line_errors


def switched_scale(parser, task, scale, args):
    """The scale with the command line's switches, and the suffix they add to the
    default output folder ('' without switches)."""
    changes, suffix = {}, ''
    for option, known in (('teachers', task.teachers), ('methods', task.methods)):
        names = getattr(args, option)
        if names is None:
            continue
        unknown = [n for n in names if n not in known]
        if unknown or len(set(names)) != len(names):
            parser.error(f'--{option} {" ".join(names)}: give each once, from the {task.name} '
                         f"task's {sorted(known)}")
        changes[option] = tuple(names)
        suffix += f'_{option}-' + '-'.join(names)
    if args.teacher_seeds is not None:
        seeds = tuple(args.teacher_seeds)
        if len(set(seeds)) != len(seeds):
            parser.error(f'--teacher-seeds {" ".join(map(str, seeds))}: give each seed once')
        changes['teacher_seeds'] = seeds
        if seeds != (0, ):
            suffix += '_tseeds' + '-'.join(map(str, seeds))
    if args.student_weights is not None:
        changes['student_weights'] = args.student_weights
        if args.student_weights != 'shared':
            suffix += f'_{args.student_weights}-weights'
    if args.augment:
        if not task.augmented_data:
            parser.error(f'--augment: the {task.name} task has no augmented training pipeline '
                         '(only cls has one); drop --augment')
        changes['train_pipeline_from'] = task.augmented_data
        suffix += '_aug'
    return dataclasses.replace(scale, **changes), suffix


def switch_args(args) -> list:
    """The switches as typed, for the stored command."""
    out = [f'--{option} ' + ' '.join(getattr(args, option)) for option in ('teachers', 'methods')
           if getattr(args, option) is not None]
    if args.teacher_seeds is not None:
        out.append('--teacher-seeds ' + ' '.join(map(str, args.teacher_seeds)))
    if args.student_weights is not None:
        out.append(f'--student-weights {args.student_weights}')
    return out + (['--augment'] if args.augment else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--task', choices=task_names(), default='cls')
    parser.add_argument('--scale', default='default',
                        help="the task's scale (default: default; e.g. full, smoke)")
    parser.add_argument('--out', help="output folder (default: work_dirs/pipeline_<scale> for "
                        'cls, work_dirs/pipeline_<task>_<scale> for the others; the switches '
                        'below add a suffix, e.g. _tseeds0-1-2_paper-weights_aug)')
    parser.add_argument('--teacher-cache', nargs='?', const='', default=None, metavar='DIR',
                        help='distil from cached teacher outputs: each teacher runs once per '
                        'KD method, and every seed reads its outputs (folder: DIR, default '
                        "<out>/teacher_cache; the default scale of cls uses it unless "
                        '--no-teacher-cache)')
    parser.add_argument('--no-teacher-cache', action='store_true',
                        help='run the teacher at every distillation step, even where the '
                        'scale reads the cache by default')
    parser.add_argument('--teachers', nargs='+', metavar='NAME',
                        help="the teacher types to train and distil from (default: the "
                        "scale's; e.g. standard)")
    parser.add_argument('--methods', nargs='+', metavar='NAME',
                        help="the KD methods (default: the scale's; the task may have more, "
                        'e.g. det: cwd pkd fitnets mgd bckd crosskd)')
    parser.add_argument('--teacher-seeds', nargs='+', type=int, metavar='T',
                        help="train each teacher type once per seed T and distil each "
                        "teacher's students over the scale's seeds (default: the scale's, "
                        'the single seed 0)')
    parser.add_argument('--student-weights', choices=STUDENT_WEIGHTS, default=None,
                        help="the students' CE/KD weights: shared (default: every KD config's "
                        "own, whatever the teacher) or paper (each friendly teacher's paper: "
                        'SoTeacher CE 0.5 / KD 0.5, SFTN CE 0.1 / KD 0.9, for KD)')
    parser.add_argument('--augment', action='store_true',
                        help="every run (teachers and students) trains on the task's augmented "
                        'pipeline (cls: random crop with padding 4, horizontal flip)')
    args = parser.parse_args()
    task = get_task(args.task)
    if args.scale not in task.scales:
        parser.error(f'--scale {args.scale}: the {args.task} task has the scales '
                     f'{sorted(task.scales)}')
    scale, suffix = switched_scale(parser, task, task.scales[args.scale], args)
    out = args.out or task.out_dir.format(scale=args.scale) + suffix
    logging.getLogger('mmengine').setLevel(logging.WARNING)

    if args.no_teacher_cache and args.teacher_cache is not None:
        parser.error('--teacher-cache and --no-teacher-cache: give one of them')
    cache = None
    if args.teacher_cache is not None or (scale.teacher_cache and not args.no_teacher_cache):
        cache = args.teacher_cache or f'{out}/teacher_cache'

    start = time.time()
    runs = plan(task, scale, out)
    with error_last(), one_line_errors(build=False):  # a run's bad input: one line
        results = run_with_progress(task, scale, out, runs=runs, teacher_cache=cache)
    command = ' '.join(['python tools/run_pipeline.py']
                       + ([f'--task {args.task}'] if args.task != 'cls' else [])
                       + ([f'--scale {args.scale}'] if args.scale != 'default' else [])
                       + (['--teacher-cache'] if cache and not scale.teacher_cache else [])
                       + (['--no-teacher-cache'] if args.no_teacher_cache else [])
                       + switch_args(args))
    table = summarise(task, results, scale, out, command)
    print(f'\n{table}\n')
    line = verdict(task, results, scale)
    if line:
        print(f'{line}\n')
    print(f'{runs_summary(runs, start, time.time())}; {out}/results.md, results.csv, results.png')


def runs_summary(runs, start: float, end: float) -> str:
    """``8 runs in 12.7 min`` where every run trained in this call, else how many
    were trained and how many reused (their result.json older than ``start``; a run
    without one counts as trained)."""
    def trained_now(run) -> bool:
        result = osp.join(run.work_dir, 'result.json')
        return not osp.isfile(result) or osp.getmtime(result) >= start

    trained = sum(trained_now(r) for r in runs)
    if trained == len(runs):
        return f'{len(runs)} runs in {(end - start) / 60:.1f} min'
    if not trained:
        return f'{len(runs)} runs, all reused from earlier calls'
    return (f'{len(runs)} runs ({trained} trained in {(end - start) / 60:.1f} min, '
            f'{len(runs) - trained} reused)')


if __name__ == '__main__':
    main()

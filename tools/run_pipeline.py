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

    python tools/run_pipeline.py                          # cls, default scale (16.6 min on 2 cores)
    python tools/run_pipeline.py --scale full             # the README's classification table
    python tools/run_pipeline.py --task det --scale full  # the README's detection table
    python tools/run_pipeline.py --task mri --scale smoke # the MRI wiring, a few minutes

Re-running continues an interrupted pipeline: finished runs are not repeated.
"""
import argparse
import logging
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.apis import get_task, run_with_progress, summarise, task_names  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--task', choices=task_names(), default='cls')
    parser.add_argument('--scale', default='default',
                        help="the task's scale (default: default; e.g. full, smoke)")
    parser.add_argument('--out', help="output folder (default: work_dirs/pipeline_<scale> for "
                        'cls, work_dirs/pipeline_<task>_<scale> for the others)')
    parser.add_argument('--teacher-cache', nargs='?', const='', default=None, metavar='DIR',
                        help='distil from cached teacher outputs: each teacher runs once per '
                        'KD method, and every seed reads its outputs (folder: DIR, default '
                        '<out>/teacher_cache)')
    args = parser.parse_args()
    task = get_task(args.task)
    if args.scale not in task.scales:
        parser.error(f'--scale {args.scale}: the {args.task} task has the scales '
                     f'{sorted(task.scales)}')
    scale = task.scales[args.scale]
    out = args.out or task.out_dir.format(scale=args.scale)
    logging.getLogger('mmengine').setLevel(logging.WARNING)

    start = time.time()
    cache = None if args.teacher_cache is None else (args.teacher_cache or f'{out}/teacher_cache')
    results = run_with_progress(task, scale, out, teacher_cache=cache)
    command = ' '.join(['python tools/run_pipeline.py']
                       + ([f'--task {args.task}'] if args.task != 'cls' else [])
                       + ([f'--scale {args.scale}'] if args.scale != 'default' else [])
                       + (['--teacher-cache'] if cache else []))
    table = summarise(task, results, scale, out, command)
    print(f'\n{table}\n')
    print(f'{len(results)} runs in {(time.time() - start) / 60:.1f} min; '
          f'{out}/results.md, results.csv, results.png')


if __name__ == '__main__':
    main()

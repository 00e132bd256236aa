"""Run the two-stage pipeline on Fashion-MNIST and report the results.

Teachers (standard, SFTN, SoTeacher), then the tiny ResNet student distilled
from each with KD, FitNets and AT over several seeds; writes results.csv,
results.md and results.png to the output folder and prints the table.

Examples::

    python tools/run_pipeline.py                 # default scale (about 17 min on 2 cores)
    python tools/run_pipeline.py --scale full    # the README's table (about 72 min on 2 cores)

Re-running continues an interrupted pipeline: finished runs are not repeated.
"""
import argparse
import logging
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.apis import SCALES, run_with_progress, summarise  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', choices=sorted(SCALES), default='default')
    parser.add_argument('--out', help='output folder (default: work_dirs/pipeline_<scale>)')
    args = parser.parse_args()
    out = args.out or f'work_dirs/pipeline_{args.scale}'
    scale = SCALES[args.scale]
    logging.getLogger('mmengine').setLevel(logging.WARNING)

    start = time.time()
    results = run_with_progress(scale, out)
    command = 'python tools/run_pipeline.py' + ('' if args.scale == 'default' else f' --scale {args.scale}')
    table = summarise(results, scale, out, command)
    print(f'\n{table}\n')
    print(f'{len(results)} runs in {(time.time() - start) / 60:.1f} min; '
          f'{out}/results.md, results.csv, results.png')


if __name__ == '__main__':
    main()

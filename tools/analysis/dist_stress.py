"""Run a 2-process CPU (gloo) training job many times and count the runs that abort.

    python tools/analysis/dist_stress.py [--runs 30] [--config CFG] [--out DIR]

Each run is ``tools/dist_train.sh CONFIG 2`` on a real Fashion-MNIST subset (256
training images, 1 epoch), with C++ stack traces on (``TORCH_SHOW_CPP_STACKTRACES=1``)
and Python's fault handler on (``PYTHONFAULTHANDLER=1``: a SIGABRT prints every
thread's Python stack). A run counts as an abort when it fails or when a worker
prints ``terminate called``. The result (runs, aborts, each run's exit status and
seconds, and the end of the output of any failed run) goes to ``DIR/result.json``
and one line per run to the terminal.
"""
import argparse
import json
import os
import os.path as osp
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'baseline', 'small-resnet_3e_fashion-mnist.py')
DATA = osp.join(ROOT, 'data', 'fashion_mnist')
ABORT = 'terminate called'


def tiny_options(data_root: str) -> list:
    options = ['train_dataloader.dataset.indices=256', 'val_dataloader.dataset.indices=64',
               'train_dataloader.batch_size=32', 'val_dataloader.batch_size=64',
               'train_cfg.max_epochs=1']
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False',
                    f'{split}_dataloader.dataset.data_root={data_root}']
    return options


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def one_run(config: str, data_root: str, work: str) -> dict:
    env = dict(os.environ, PORT=str(free_port()), CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               TORCH_SHOW_CPP_STACKTRACES='1', PYTHONFAULTHANDLER='1', PYTHON=sys.executable)
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config, '2', '--work-dir', work,
           '--cfg-options', *tiny_options(data_root)]
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    output = proc.stdout + proc.stderr
    aborted = proc.returncode != 0 or ABORT in output
    run = dict(returncode=proc.returncode, seconds=round(time.time() - start, 1),
               aborted=aborted)
    if aborted:
        run['output_tail'] = output[-6000:]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default=DATA)
    parser.add_argument('--out', default=osp.join(ROOT, 'work_dirs', 'dist_stress'))
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f'--runs must be at least 1, got {args.runs}')
    if not osp.isfile(osp.join(args.data_root, 'train-images-idx3-ubyte')):
        parser.error(f'Fashion-MNIST is not prepared in {args.data_root}: run bash tools/setup.sh')
    os.makedirs(args.out, exist_ok=True)
    runs = []
    started = time.time()
    for i in range(args.runs):
        work = tempfile.mkdtemp(prefix='sfkd-dist-stress-')
        try:
            runs.append(one_run(args.config, args.data_root, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        r = runs[-1]
        print(f'run {i + 1}/{args.runs}: exit {r["returncode"]}, {r["seconds"]} s'
              + (' ABORT' if r['aborted'] else ''), flush=True)
    import torch
    result = dict(command=' '.join(['python', 'tools/analysis/dist_stress.py', *sys.argv[1:]]),
                  config=osp.relpath(args.config, ROOT), runs=len(runs),
                  aborts=sum(r['aborted'] for r in runs), torch=torch.__version__,
                  machine=f'{platform.machine()}, {os.cpu_count()} cores, '
                          f'{platform.processor() or platform.platform()}',
                  date=time.strftime('%Y-%m-%d'),
                  wall_minutes=round((time.time() - started) / 60, 1), per_run=runs)
    with open(osp.join(args.out, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(f'{result["aborts"]} aborts in {result["runs"]} runs -> '
          f'{osp.join(args.out, "result.json")}')
    sys.exit(1 if result['aborts'] else 0)


if __name__ == '__main__':
    main()

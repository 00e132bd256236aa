"""Run a 2-process CPU (gloo) training job many times and count the runs that abort.

    python tools/analysis/dist_stress.py [--runs 30] [--config CFG] [--out DIR]

Each run is ``tools/dist_train.sh CONFIG 2`` on a real Fashion-MNIST subset (256
training images, 1 epoch), with C++ stack traces on (``TORCH_SHOW_CPP_STACKTRACES=1``)
Python's fault handler on (``PYTHONFAULTHANDLER=1``: a SIGABRT prints every
thread's Python stack) and core dumps on: a worker that aborts leaves a core file in
the run's folder, and ``gdb`` (where installed) prints the C++ stack of every thread
in it. A run counts as an abort when it fails or when a worker prints
``terminate called``. The result (runs, aborts, each run's exit status and seconds,
and for a failed run the end of its output and the C++ stacks) goes to
``DIR/result.json`` and one line per run to the terminal.
"""
import argparse
import json
import os
import os.path as osp
import resource
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


def scrub(text: str) -> str:
    """``text`` without this machine's folders: the repository as ``.``, temporary
    folders as ``<tmp>``, the interpreter's prefix as ``<venv>``."""
    import re
    text = text.replace(sys.prefix, '<venv>').replace(ROOT, '.')
    return re.sub(r'/(?:tmp|root|home)/\S*', '<tmp>', text)


def allow_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def cpp_stacks(folder: str) -> str:
    """Every thread's C++ stack in each core file in ``folder`` (then removed)."""
    stacks = []
    for core in sorted(f for f in os.listdir(folder) if f.startswith('core')):
        path = osp.join(folder, core)
        if shutil.which('gdb'):
            gdb = subprocess.run(['gdb', '-batch', '-ex', 'thread apply all bt 25',
                                  sys.executable, path], capture_output=True, text=True)
            stacks.append(f'--- {core}\n' + '\n'.join(
                line for line in gdb.stdout.splitlines()
                if line.startswith(('#', 'Thread', 'Program terminated'))))
        os.remove(path)
    return '\n'.join(stacks)


def one_run(config: str, data_root: str, work: str) -> dict:
    env = dict(os.environ, PORT=str(free_port()), CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               TORCH_SHOW_CPP_STACKTRACES='1', PYTHONFAULTHANDLER='1', PYTHON=sys.executable)
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config, '2', '--work-dir',
           osp.join(work, 'work_dir'), '--cfg-options', *tiny_options(data_root)]
    start = time.time()
    # the workers run in ``work``, so that their core files land there
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work,
                          preexec_fn=allow_core_dumps)
    output = proc.stdout + proc.stderr
    aborted = proc.returncode != 0 or ABORT in output
    run = dict(returncode=proc.returncode, seconds=round(time.time() - start, 1),
               aborted=aborted)
    stacks = cpp_stacks(work)
    if aborted:
        run['output_tail'] = scrub(output[-4000:])
        run['cpp_stacks'] = scrub(stacks[-12000:])
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
        if r['aborted'] and r['cpp_stacks']:
            print(r['cpp_stacks'], flush=True)
    import torch

    from sfkd.utils.machine import describe_machine, machine_line
    git = ['git', '-C', ROOT]
    commit = subprocess.run([*git, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                            text=True).stdout.strip()
    dirty = bool(subprocess.run([*git, 'status', '--porcelain', '--untracked-files=no'],
                                capture_output=True, text=True).stdout.strip())
    result = dict(commit=commit + (' (dirty tree)' if dirty else ''), command=' '.join(['python', 'tools/analysis/dist_stress.py', *sys.argv[1:]]),
                  config=osp.relpath(args.config, ROOT), runs=len(runs),
                  aborts=sum(r['aborted'] for r in runs), torch=torch.__version__,
                  machine=machine_line(describe_machine()),
                  date=time.strftime('%Y-%m-%d'),
                  wall_minutes=round((time.time() - started) / 60, 1), per_run=runs)
    with open(osp.join(args.out, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(f'{result["aborts"]} aborts in {result["runs"]} runs -> '
          f'{osp.join(args.out, "result.json")}')
    sys.exit(1 if result['aborts'] else 0)


if __name__ == '__main__':
    main()

"""What the teacher-output cache saves: whole training epochs, and the pipeline.

Epochs, side by side in one run (each a fresh Runner on the same real
Fashion-MNIST subset, the order rotated every round; the time from the start
to the end of the training epoch, without validation, the data loaded in the
training process unless ``--loader-workers`` says otherwise):
- the tiny ResNet student trained alone;
- KD from the small ResNet teacher, the teacher run at every step;
- the same KD reading the teacher's outputs from a complete cache
  (filled once before the timed rounds).

``cached_distill_ratio`` is the cached KD epoch over the student-alone epoch,
``uncached_distill_ratio`` the uncached one over the same. The cache's bytes
per sample are read from the files of real fills, for each storage option, for
KD's logits and FitNets' feature map.

``--pipeline-scale`` also times the classification pipeline's distillation
runs at that scale without and with the cache, interleaved run by run; the
teachers and students alone are trained once and shared by both (their time
is added to both totals). ``--pipeline-teachers`` picks the teacher types.

Example::

    python -m benchmarks cache --repeats 3 --pipeline-scale default \\
        --pipeline-teachers standard --out results/benchmark/teacher_cache.json
"""
import argparse
import glob
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

from sfkd.apis.cache_storages import CACHE_STORAGES, storage_options
from sfkd.utils.machine import describe_machine, machine_line
from sfkd.utils.report import median_range

from benchmarks.harness import FMNIST_ROOT, ROOT, command_line, write_report

CFG = osp.join(ROOT, 'configs')
ALONE = f'{CFG}/baseline/tiny-resnet_3e_fashion-mnist.py'
KD = f'{CFG}/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS = f'{CFG}/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
STORAGES = {name: storage_options(spec) for name, spec in CACHE_STORAGES.items()}
SIDES = ('alone', 'uncached', 'cached')


def random_teacher(path: str) -> str:
    import torch
    from mmengine import DefaultScope

    from sfkd.models.model_config import build_model
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


def options(args, size: int, teacher=None, cache=None, storage=()) -> list:
    opts = [f'train_dataloader.dataset.indices={size}', 'train_cfg.max_epochs=1',
            f'train_dataloader.num_workers={args.loader_workers}',
            f'train_dataloader.persistent_workers={args.loader_workers > 0}',
            'train_cfg.val_interval=1000', 'log_level=ERROR',
            # the last epoch still validates (outside the timed epoch): on one batch
            f'val_dataloader.dataset.indices={args.batch_size}',
            f'train_dataloader.dataset.data_root={args.data_root}',
            f'val_dataloader.dataset.data_root={args.data_root}',
            f'train_dataloader.batch_size={args.batch_size}', 'randomness.seed=0']
    if teacher:
        opts.append(f'model.teacher_ckpt={teacher}')
    if cache:
        opts += [f'teacher_cache.root={cache}', 'teacher_cache.progress=False']
    return opts + list(storage)


def train_seconds(config: str, opts: list, work: str) -> float:
    """Seconds of the training epoch: from ``before_train_epoch`` to ``after_train_epoch``
    (building the Runner, loading the data and the teacher, filling or opening the cache
    and saving checkpoints are outside it)."""
    from mmengine.hooks import Hook

    from sfkd.apis.pipeline import cfg_options
    from sfkd.apis.training import build_trainer, training_config

    class EpochClock(Hook):
        priority = 'LOWEST'
        seconds = 0.0

        def before_train_epoch(self, runner) -> None:
            self.start = time.perf_counter()

        def after_train_epoch(self, runner) -> None:
            self.seconds += time.perf_counter() - self.start

    runner = build_trainer(training_config(config, work_dir=work, cfg_options=cfg_options(opts)))
    clock = EpochClock()
    runner.register_hook(clock)
    runner.train()
    return clock.seconds


def stored_bytes(cache_root: str) -> float:
    """Bytes per sample of the newest cache under ``cache_root``, from its files."""
    folder = max((p for p in glob.glob(f'{cache_root}/*') if osp.isdir(p)), key=osp.getmtime)
    meta = json.load(open(f'{folder}/meta.json'))
    import numpy as np
    total = sum(np.load(f'{folder}/{name}.npy', mmap_mode='r').nbytes for name in meta['arrays'])
    return total / (meta['views'] * meta['size'])


def measure_epochs(args, tmp: str) -> dict:
    from tqdm import tqdm
    teacher = random_teacher(f'{tmp}/teacher.pth')
    cache = f'{tmp}/cache'
    runs = dict(alone=(ALONE, options(args, args.train_size)),
                uncached=(KD, options(args, args.train_size, teacher)),
                cached=(KD, options(args, args.train_size, teacher, cache)))
    train_seconds(*runs['cached'], f'{tmp}/fill')  # fills the cache before its epoch
    times = {side: [] for side in SIDES}
    for r in tqdm(range(args.repeats), desc='epoch rounds'):
        order = SIDES[r % 3:] + SIDES[:r % 3]
        for side in order:
            times[side].append(train_seconds(*runs[side], f'{tmp}/{side}{r}'))
    med = {side: statistics.median(v) for side, v in times.items()}
    per_round = [dict(cached=c / a, uncached=u / a)
                 for a, u, c in zip(times['alone'], times['uncached'], times['cached'])]
    sizes = {}
    for name in args.storages:
        storage = STORAGES[name]
        root = f'{tmp}/bytes_{name}'
        train_seconds(KD, options(args, 512, teacher, root, storage), f'{tmp}/b_{name}')
        sizes[f'kd_logits.{name}'] = stored_bytes(root)
    for name in ('fp32', 'fp16') if args.feature_bytes else ():
        root = f'{tmp}/bytes_fitnets_{name}'
        train_seconds(FITNETS, options(args, 512, teacher, root, STORAGES[name]),
                      f'{tmp}/bf_{name}')
        sizes[f'fitnets_feat_and_logits.{name}'] = stored_bytes(root)
    return dict(epoch_seconds=times, epoch_median=med,
                cached_distill_ratio=med['cached'] / med['alone'],
                uncached_distill_ratio=med['uncached'] / med['alone'],
                ratio_range=dict(cached=[min(p['cached'] for p in per_round),
                                         max(p['cached'] for p in per_round)],
                                 uncached=[min(p['uncached'] for p in per_round),
                                           max(p['uncached'] for p in per_round)]),
                cache_bytes_per_sample=sizes)


def measure_pipeline(scale_name: str, teachers, tmp: str) -> dict:
    """Distillation runs of the classification pipeline without and with the cache,
    interleaved run by run (each run without the cache, then the same run with it)."""
    import dataclasses

    from tqdm import tqdm

    from sfkd.apis import get_task, plan, run_pipeline
    from sfkd.apis.pipeline import execute
    task = get_task('cls')
    scale = task.scales[scale_name]
    if teachers:
        scale = dataclasses.replace(scale, teachers=tuple(teachers))
    out = f'{tmp}/pipeline'
    runs = plan(task, scale, out)
    shared = run_pipeline(task, scale, out, runs=[r for r in runs if r.kind != 'distill'])
    plain, cached = [], []
    for run in tqdm([r for r in runs if r.kind == 'distill'], desc='pipeline runs'):
        plain.append(execute(task, run, out))
        cached.append(execute(task, dataclasses.replace(run, work_dir=run.work_dir + '_cached'),
                              out, teacher_cache=f'{tmp}/pipeline_cache'))
    shared_s = sum(r['seconds'] for r in shared)
    plain_s, cached_s = (sum(r['seconds'] for r in rs) for rs in (plain, cached))
    accuracy = {name: [r['metrics']['accuracy'] for r in rs]
                for name, rs in (('uncached', plain), ('cached', cached))}
    return dict(scale=scale_name, teachers=list(scale.teachers), runs=len(runs),
                shared_seconds=shared_s,
                distill_seconds=dict(uncached=plain_s, cached=cached_s),
                pipeline_seconds=dict(uncached=shared_s + plain_s, cached=shared_s + cached_s),
                distill_runs=len(plain), student_accuracy=accuracy,
                largest_accuracy_change=max(abs(a - b) for a, b in
                                            zip(accuracy['uncached'], accuracy['cached'])))


def summary_lines(result: dict) -> list:
    e = result['epochs']
    med = e['epoch_median']

    def ratio(side: str) -> str:  # the ratio of the median epochs; the rounds' range
        low, high = e['ratio_range'][side]
        return median_range(dict(median=e[f'{side}_distill_ratio'], min=low, max=high))

    lines = [f"Machine: {machine_line(result['machine'])}",
             f"One epoch of {result['train_size']} images, batch {result['batch_size']}, "
             f"{result.get('loader_workers', 0)} loader workers, median "
             f"of {result['repeats']} rounds: student alone {med['alone']:.2f} s, KD "
             f"{med['uncached']:.2f} s, KD from the cache {med['cached']:.2f} s",
             f"cached_distill_ratio {ratio('cached')}, "
             f"uncached_distill_ratio {ratio('uncached')}",
             'cache bytes per sample: ' + ', '.join(
                 f'{k} {v:.0f}' for k, v in e['cache_bytes_per_sample'].items())]
    p = result.get('pipeline')
    if p:
        lines.append(
            f"Pipeline ({p['scale']} scale, teachers {', '.join(p['teachers'])}, "
            f"{p['runs']} runs): "
            f"{p['pipeline_seconds']['uncached'] / 60:.1f} min without the cache, "
            f"{p['pipeline_seconds']['cached'] / 60:.1f} min with it (its {p['distill_runs']} "
            f"distillation runs {p['distill_seconds']['uncached'] / 60:.1f} -> "
            f"{p['distill_seconds']['cached'] / 60:.1f} min); largest change of a student's "
            f"top-1: {p['largest_accuracy_change']:.2f} points")
    return lines


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog='python -m benchmarks cache',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=FMNIST_ROOT)
    parser.add_argument('--train-size', type=int, default=8192)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--loader-workers', type=int, default=0,
                        help='data loader workers of the timed epochs (default 0: the data is '
                        'loaded in the training process, so an epoch times the training work; '
                        'one worker on a 2-core machine makes the loader the bottleneck)')
    parser.add_argument('--storages', nargs='+', choices=list(STORAGES), default=list(STORAGES),
                        help='storage options whose bytes per sample are measured')
    parser.add_argument('--no-feature-bytes', dest='feature_bytes', action='store_false',
                        help="skip the bytes of FitNets' feature map")
    parser.add_argument('--pipeline-scale', help='also time the pipeline at this scale')
    parser.add_argument('--pipeline-teachers', nargs='+',
                        help="the pipeline's teacher types (default: the scale's)")
    parser.add_argument('--out', help='write the figures as JSON here (and a .md next to it)')
    args = parser.parse_args(argv)
    import logging

    import torch
    torch.set_flush_denormal(True)
    logging.getLogger('mmengine').setLevel(logging.WARNING)
    machine = describe_machine()
    with tempfile.TemporaryDirectory() as tmp:
        result = dict(machine=machine, train_size=args.train_size,
                      batch_size=args.batch_size, repeats=args.repeats,
                      loader_workers=args.loader_workers,
                      epochs=measure_epochs(args, tmp))
        if args.pipeline_scale:
            result['pipeline'] = measure_pipeline(args.pipeline_scale, args.pipeline_teachers, tmp)
    result['command'] = command_line('cache', argv)
    lines = summary_lines(result)
    print('\n'.join(lines))
    if args.out:
        write_report(args.out, result, lines, 'Teacher-output cache benchmark')


if __name__ == '__main__':
    main()

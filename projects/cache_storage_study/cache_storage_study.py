"""What each teacher-cache storage costs the student, on Fashion-MNIST.

The KD students of the classification pipeline (tiny ResNet from the standard
small-ResNet teacher, the scale's seeds) read the teacher's logits from a
teacher-output cache stored

- ``fp32``: exact, the pipeline's own KD students (an fp32 cached run equals an
  uncached one bit for bit);
- ``fp16``: half precision;
- ``topk3``: the 3 largest probabilities at the KD temperature and their
  classes, the other classes sharing the rest evenly (biased: the tail is
  flattened);
- ``sampled16``: 16 classes drawn from the teacher's probabilities, the
  target their frequencies (unbiased in expectation over the draws); with the
  deterministic Fashion-MNIST pipeline there is one view, so every epoch reads
  the same draws;
- ``sampled16-views2``: the same with ``teacher_cache.views=2``, one view per
  epoch of the 2-epoch students, so each epoch reads draws of its own.

Runs go through the pipeline (``sfkd.apis.pipeline``): finished runs are
reused, so with ``--dir`` at a pipeline folder of the same scale (the default,
``work_dirs/pipeline_default``, which ``bash tools/run_main.sh`` writes) the
teacher, the students alone and the fp32 KD students are read, not trained,
and only the other storages' students train (``kd-<storage>_standard_seed<s>``
in the same folder, their caches in its ``teacher_cache``).

Example::

    python projects/cache_storage_study/cache_storage_study.py --out results/cache_storage

Writes results.md and results.csv to ``--out``.
"""
import argparse
import csv
import dataclasses
import os
import os.path as osp
import statistics
import sys

from sfkd.apis import plan, run_with_progress, timing_text
from sfkd.apis.cache_storages import CACHE_STORAGES, storage_options
from sfkd.apis.tasks import classification as cls
from sfkd.utils.report import markdown_table, mean_std, table_row

# the storages: the benchmarks', and the sampled one with one view per epoch (each
# epoch reads draws of its own)
SPECS = {**CACHE_STORAGES, 'sampled16-views2': CACHE_STORAGES['sampled16']}
# the options on top of the pipeline's runs, whose cache is fp32 (the fp32 students
# are the pipeline's own)
STORAGES = {name: [] if name == 'fp32' else storage_options(spec) for name, spec in SPECS.items()}
STORAGES['sampled16-views2'].append('teacher_cache.views=2')
LABELS = {'fp32': 'fp32 (exact)', 'fp16': 'fp16', 'topk3': 'top-3 probabilities (biased)',
          'sampled16': '16 sampled classes (unbiased)',
          'sampled16-views2': '16 sampled classes, new draws each epoch (views=2)'}
SCALES = {name: dataclasses.replace(cls.SCALES[name], teachers=('standard', ), methods=('kd', ))
          for name in ('default', 'smoke')}


def study_runs(scale, out_dir: str, storages) -> list:
    """The pipeline's runs of ``scale`` with the standard teacher and KD (the teacher,
    the students alone, the fp32 KD students), then the KD students of each other
    storage, with their storage options."""
    runs = plan(cls.TASK, scale, out_dir)
    kd = [r for r in runs if r.kind == 'distill']
    for name in storages:
        if STORAGES[name]:
            runs += [dataclasses.replace(
                r, method=f'kd-{name}', options=list(r.options) + STORAGES[name],
                work_dir=osp.join(out_dir, f'kd-{name}_standard_seed{r.seed}')) for r in kd]
    return runs


def bytes_per_sample(name: str, classes: int = 10) -> int:
    """Bytes a sample's KD logits take in one view of the cache with this storage."""
    from sfkd.engine.teacher_cache import build_codec
    return build_codec(SPECS[name], (classes, ), name).bytes_per_sample()


def summarise(results: list, storages, command: str, scale) -> list:
    """The report's lines: each storage's KD students against the fp32 ones."""
    def top1(method):
        return {r['seed']: r['metrics']['accuracy'] for r in results
                if r['kind'] == 'distill' and r['method'] == method}

    exact = top1('kd')
    alone = [r['metrics']['accuracy'] for r in results if r['kind'] == 'alone']
    teacher = next(r['metrics']['accuracy'] for r in results if r['kind'] == 'teacher')
    lines = [f'# What each teacher-cache storage costs the student (Fashion-MNIST, '
             f'{scale.name} scale)', '',
             f'{cls.describe(scale)} KD students (tiny ResNet) of the standard small-ResNet '
             f'teacher (test top-1 {teacher:.2f}), reading its logits from the teacher cache in '
             'each storage; the difference is seed by seed against the fp32 student of the '
             'same seed.', ''] + markdown_table(
                 ['storage', 'bytes per sample and view', 'KD student top-1',
                  'difference from fp32'])
    for name in storages:
        acc = top1('kd' if name == 'fp32' else f'kd-{name}')
        diffs = [acc[s] - exact[s] for s in sorted(acc)]
        diff = '-' if name == 'fp32' else \
            f'{statistics.mean(diffs):+.2f} (seeds: {", ".join(f"{d:+.2f}" for d in diffs)})'
        lines.append(table_row([LABELS[name], str(bytes_per_sample(name)),
                                mean_std([acc[s] for s in sorted(acc)]), diff]))
    lines += [table_row(['(student alone)', '-', mean_std(alone), '']), '',
              f'Command: `{command}`', '', timing_text(results)]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', choices=list(SCALES), default='default')
    parser.add_argument('--dir', help='runs folder (default: work_dirs/pipeline_<scale>, the '
                                      "pipeline's own, whose finished runs are reused)")
    parser.add_argument('--storages', nargs='+', choices=list(STORAGES), default=list(STORAGES))
    parser.add_argument('--out', help='write results.md and results.csv here '
                                      '(default: <runs folder>/cache_storage)')
    args = parser.parse_args(argv)
    if 'fp32' not in args.storages:
        parser.error('--storages must include fp32, the exact reference of the differences')
    scale = SCALES[args.scale]
    runs_dir = args.dir or f'work_dirs/pipeline_{args.scale}'
    out = args.out or osp.join(runs_dir, 'cache_storage')
    results = run_with_progress(cls.TASK, scale, runs_dir,
                                runs=study_runs(scale, runs_dir, args.storages),
                                teacher_cache=osp.join(runs_dir, 'teacher_cache'))
    shown = sys.argv[1:] if argv is None else list(argv)
    command = ' '.join(['python projects/cache_storage_study/cache_storage_study.py', *shown])
    lines = summarise(results, args.storages, command, scale)
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(osp.join(out, 'results.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['kind', 'storage', 'seed', 'accuracy', 'seconds'])
        for r in results:
            storage = r['method'][3:] if r['method'].startswith('kd-') else \
                ('fp32' if r['kind'] == 'distill' else '-')
            writer.writerow([r['kind'], storage, r['seed'], r['metrics']['accuracy'],
                             r.get('seconds', '')])
    print('\n'.join(lines))


if __name__ == '__main__':
    main()

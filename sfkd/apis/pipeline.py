"""The two-stage pipeline: train teachers (standard, SFTN, SoTeacher), then
distil the same student from each with several KD methods over several seeds,
and report the student accuracies as a table, a CSV and a plot.

Every run writes ``result.json`` (with its config and options) in its own work
dir; a run whose result exists for the same config and options is not repeated,
so an interrupted pipeline continues where it stopped, and a changed scale
trains again.
"""
import csv
import json
import os
import os.path as osp
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from sfkd.tools import train as train_tool
from sfkd.utils.machine import describe_machine, machine_line

CFG = 'configs'


@dataclass(frozen=True)
class TeacherSpec:
    """How one teacher type is trained."""
    config: str
    options: Tuple[str, ...] = ()        # extra --cfg-options
    epochs: Optional[int] = None         # None: the scale's teacher_epochs
    finetune_from: Optional[str] = None  # a teacher type whose checkpoint this one starts from


TEACHERS: Dict[str, TeacherSpec] = {
    'standard': TeacherSpec(f'{CFG}/baseline/small-resnet_3e_fashion-mnist.py'),
    'sftn': TeacherSpec(f'{CFG}/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'),
    'soteacher': TeacherSpec(f'{CFG}/soteacher/soteacher_small-resnet_fashion-mnist.py'),
}
METHODS = {
    'kd': f'{CFG}/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py',
    'fitnets': f'{CFG}/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py',
    'at': f'{CFG}/at/at_small-resnet_tiny-resnet_fashion-mnist.py',
}
STUDENT_ALONE = f'{CFG}/baseline/tiny-resnet_3e_fashion-mnist.py'


@dataclass
class Scale:
    """How big the pipeline runs."""
    name: str
    train_images: Optional[int]  # None: all 60k
    teacher_epochs: int
    student_epochs: int
    seeds: Sequence[int]
    test_images: Optional[int] = None  # None: all 10k
    teachers: Sequence[str] = tuple(TEACHERS)
    methods: Sequence[str] = tuple(METHODS)
    # teacher types by name; other studies add variants (tools/analysis/sftn_study.py)
    teacher_specs: Mapping[str, TeacherSpec] = field(default_factory=lambda: dict(TEACHERS))


SCALES = {
    'default': Scale('default', train_images=8000, teacher_epochs=2, student_epochs=2,
                     seeds=(0, 1)),
    'full': Scale('full', train_images=None, teacher_epochs=4, student_epochs=2,
                  seeds=(0, 1, 2)),
    # few images, many epochs: the teachers come close to memorising their
    # training images, as in long CIFAR-100 schedules (a study regime, ~1 min a run)
    'small-data': Scale('small-data', train_images=4000, teacher_epochs=30, student_epochs=15,
                        seeds=(0, 1, 2)),
    # a few seconds per run, for the tests; its numbers mean nothing
    'smoke': Scale('smoke', train_images=256, teacher_epochs=1, student_epochs=1, seeds=(0, ),
                   test_images=256, methods=('kd', 'at')),
}


@dataclass
class Run:
    """One training run of the pipeline."""
    kind: str            # 'teacher', 'alone' or 'distill'
    teacher: str         # teacher type ('-' for the student alone)
    method: str          # KD method ('-' for teachers and the student alone)
    seed: int
    config: str
    work_dir: str
    options: List[str] = field(default_factory=list)
    # the teacher run whose final checkpoint goes in as model.teacher_ckpt
    init_from: Optional[str] = None

    @property
    def label(self) -> str:
        parts = [self.kind, self.teacher, self.method, f'seed{self.seed}']
        return ' '.join(p for p in parts if p != '-')


def data_options(scale: Scale, epochs: int, seed: int) -> List[str]:
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
            f'randomness.seed={seed}', 'log_level=ERROR',
            'default_hooks.checkpoint.max_keep_ckpts=1']
    # tools/train.py fits the configs' schedules to max_epochs (sfkd.engine.schedule_fit)
    if scale.train_images:
        opts.append(f'train_dataloader.dataset.indices={scale.train_images}')
    if scale.test_images:
        opts.append(f'val_dataloader.dataset.indices={scale.test_images}')
    return opts


def plan(scale: Scale, out_dir: str) -> List[Run]:
    """Every run, in order: teachers first, then students."""
    runs = []
    for name in scale.teachers:
        spec = scale.teacher_specs[name]
        options = data_options(scale, spec.epochs or scale.teacher_epochs, 0) + list(spec.options)
        runs.append(Run('teacher', name, '-', 0, spec.config, f'{out_dir}/teacher_{name}',
                        options, init_from=spec.finetune_from))
    for seed in scale.seeds:
        runs.append(Run('alone', '-', '-', seed, STUDENT_ALONE, f'{out_dir}/alone_seed{seed}',
                        data_options(scale, scale.student_epochs, seed)))
        for name in scale.teachers:
            for method in scale.methods:
                runs.append(Run('distill', name, method, seed, METHODS[method],
                                f'{out_dir}/{method}_{name}_seed{seed}',
                                data_options(scale, scale.student_epochs, seed), init_from=name))
    return runs


def teacher_checkpoint(run_dir: str) -> str:
    """The checkpoint a teacher run hands on (always its last): the exported
    ``teacher_final.pth`` (every teacher config writes one), else the last checkpoint."""
    exported = osp.join(run_dir, 'teacher_final.pth')
    last = osp.join(run_dir, 'last_checkpoint')
    if osp.isfile(exported) or not osp.isfile(last):
        return exported
    return open(last).read().strip()


def execute(run: Run, out_dir: str) -> dict:
    """Train one run (unless the same run already finished) and return its result."""
    result_file = osp.join(run.work_dir, 'result.json')
    options = list(run.options)
    if run.init_from:
        ckpt = teacher_checkpoint(f'{out_dir}/teacher_{run.init_from}')
        options.append(f'model.teacher_ckpt={ckpt}')
    if osp.isfile(result_file):
        done = json.load(open(result_file))
        if done.get('config') == run.config and done.get('options') == options:
            return done
    start = time.perf_counter()
    runner = train_tool.run([run.config, '--work-dir', run.work_dir, '--cfg-options', *options])
    hub = runner.message_hub
    result = dict(kind=run.kind, teacher=run.teacher, method=run.method, seed=run.seed,
                  accuracy=float(hub.get_scalar('val/accuracy/top1').current()),
                  config=run.config, options=options,
                  seconds=round(time.perf_counter() - start, 1), machine=describe_machine())
    if run.kind == 'distill':
        result['teacher_accuracy'] = float(
            hub.get_scalar('val/teacher.accuracy/top1').current())
    with open(result_file, 'w') as f:
        json.dump(result, f)
    return result


def run_pipeline(scale: Scale, out_dir: str,
                 progress: Optional[Callable[[Run, int, int], None]] = None) -> List[dict]:
    """Run (or continue) the pipeline; return every run's result."""
    os.makedirs(out_dir, exist_ok=True)
    runs = plan(scale, out_dir)
    results = []
    for i, run in enumerate(runs):
        if progress:
            progress(run, i, len(runs))
        results.append(execute(run, out_dir))
    return results


def run_with_progress(scale: Scale, out_dir: str) -> List[dict]:
    """:func:`run_pipeline` with a progress bar on stderr, one step a run."""
    from tqdm import tqdm
    bar = tqdm(total=None, unit='run', dynamic_ncols=True)

    def progress(run: Run, i: int, total: int) -> None:
        bar.total, bar.n = total, i
        bar.set_description(run.label)
        bar.refresh()

    results = run_pipeline(scale, out_dir, progress)
    bar.n = bar.total
    bar.set_description('done')
    bar.close()
    return results


def _mean_std(values: List[float]) -> str:
    if len(values) < 2:
        return f'{values[0]:.2f}' if values else '-'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def summarise(results: List[dict], scale: Scale, out_dir: str, command: str) -> str:
    """Write results.csv, results.md and results.png; return the markdown table."""
    with open(osp.join(out_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=['kind', 'teacher', 'method', 'seed',
                                               'accuracy', 'teacher_accuracy', 'seconds'])
        writer.writeheader()
        for r in results:
            writer.writerow({k: r.get(k, '') for k in writer.fieldnames})
    teacher_acc = {r['teacher']: r['accuracy'] for r in results if r['kind'] == 'teacher'}
    alone = [r['accuracy'] for r in results if r['kind'] == 'alone']
    acc: Dict[str, Dict[str, List[float]]] = {}
    for r in results:
        if r['kind'] == 'distill':
            acc.setdefault(r['teacher'], {}).setdefault(r['method'], []).append(r['accuracy'])
    header = '| teacher | teacher top-1 | ' + ' | '.join(
        f'student top-1, {m.upper()}' for m in scale.methods) + ' |'
    lines = [header, '|' + ' --- |' * (2 + len(scale.methods))]
    for t in scale.teachers:
        cells = [_mean_std(acc.get(t, {}).get(m, [])) for m in scale.methods]
        lines.append(f'| {t} | {teacher_acc.get(t, float("nan")):.2f} | ' + ' | '.join(cells) + ' |')
    lines.append(f'| (student alone) | - | {_mean_std(alone)} (no teacher) |'
                 + ' |' * (len(scale.methods) - 1))
    table = '\n'.join(lines)
    train = f'{scale.train_images} training images' if scale.train_images else 'all 60k training images'
    test = f'{scale.test_images} test images' if scale.test_images else 'the 10k test images'
    md = (f'# Two-stage pipeline on Fashion-MNIST ({scale.name} scale)\n\n'
          f'{train}; teachers {scale.teacher_epochs} epochs (seed 0), students '
          f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; top-1 on {test}, '
          'mean ± std over seeds.\n\n' + table + f'\n\nCommand: `{command}`\n'
          + timing_text(results))
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(md)
    plot(acc, alone, scale, osp.join(out_dir, 'results.png'))
    return table


def timing_text(results: List[dict]) -> str:
    """The training time of the runs (each run's own wall time, summed) and the machine."""
    timed = [r for r in results if 'seconds' in r]
    if not timed:
        return ''
    machines = sorted({machine_line(r['machine']) for r in timed if 'machine' in r})
    missing = len(results) - len(timed)
    return (f"\nTraining time: {sum(r['seconds'] for r in timed) / 60:.1f} min for "
            f'{len(timed)} runs (the sum of their wall times, set-up and data preparation '
            'excluded)' + (f'; {missing} runs have no stored time' if missing else '')
            + '. Machine: ' + ('; '.join(machines) or 'not recorded') + '.\n')


def plot(acc: Dict[str, Dict[str, List[float]]], alone: List[float], scale: Scale,
         path: str) -> None:
    """Grouped bars: student accuracy per KD method, one bar per teacher type."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(scale.teachers), 1)
    for j, t in enumerate(scale.teachers):
        means = [statistics.mean(acc.get(t, {}).get(m, [0.0])) for m in scale.methods]
        stds = [statistics.stdev(v) if len(v := acc.get(t, {}).get(m, [])) > 1 else 0.0
                for m in scale.methods]
        xs = [i + (j - (len(scale.teachers) - 1) / 2) * width for i in range(len(scale.methods))]
        ax.bar(xs, means, width, yerr=stds, capsize=3, label=f'{t} teacher')
    if alone:
        ax.axhline(statistics.mean(alone), color='k', ls='--', lw=1, label='student alone')
    values = [v for d in acc.values() for vs in d.values() for v in vs] + alone
    if values:
        ax.set_ylim(min(values) - 1.0, max(values) + 0.8)
    ax.set_xticks(range(len(scale.methods)), [m.upper() for m in scale.methods])
    ax.set_ylabel('student test top-1 (%)')
    ax.set_title(f'Fashion-MNIST, tiny ResNet student ({scale.name} scale)')
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

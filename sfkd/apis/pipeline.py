"""The two-stage pipeline: train the teachers of a task, then distil the same
student from each with several KD methods over several seeds, and train the
student alone as the reference.

What differs between tasks (configs, metric keys, titles, drawings) lives in
a :class:`~sfkd.apis.tasks.Task` (``sfkd/apis/tasks/``); this module knows no
task. Every run writes ``result.json`` (with its config and options) in its
own work dir; a run whose result exists for the same config and options is
not repeated, so an interrupted pipeline continues where it stopped, and a
changed scale trains again. :mod:`sfkd.apis.report` turns the results into
``results.md``, ``results.csv`` and ``results.png``.
"""
import json
import os
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from sfkd.apis.tasks import Scale, Task
from sfkd.tools import train as train_tool
from sfkd.utils.machine import describe_machine


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
    """The options every run of a scale gets; tools/train.py fits the
    configs' schedules to ``max_epochs`` (sfkd.engine.schedule_fit)."""
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
            f'randomness.seed={seed}', 'log_level=ERROR',
            'default_hooks.checkpoint.max_keep_ckpts=1']
    if scale.train_size:
        opts.append(f'train_dataloader.dataset.indices={scale.train_size}')
    if scale.val_size:
        opts.append(f'val_dataloader.dataset.indices={scale.val_size}')
    return opts


def plan(task: Task, scale: Scale, out_dir: str) -> List[Run]:
    """Every run, in order: teachers first, then students."""
    unknown = sorted(set(scale.methods) - set(task.methods))
    if unknown:
        raise KeyError(f'{task.name} pipeline: unknown KD method(s) {unknown}; '
                       f'known: {sorted(task.methods)}')
    runs = []
    for name in scale.teachers:
        spec = task.teacher_spec(scale, name)
        options = data_options(scale, spec.epochs or scale.teacher_epochs, 0) + list(spec.options)
        runs.append(Run('teacher', name, '-', 0, spec.config, f'{out_dir}/teacher_{name}',
                        options, init_from=spec.finetune_from))
    for seed in scale.seeds:
        runs.append(Run('alone', '-', '-', seed, task.student_alone, f'{out_dir}/alone_seed{seed}',
                        data_options(scale, scale.student_epochs, seed)))
        for name in scale.teachers:
            for method in scale.methods:
                runs.append(Run('distill', name, method, seed, task.methods[method],
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


def read_metrics(task: Task, hub, prefix: str = '') -> Dict[str, float]:
    """The task's metrics of the last validation, from the message hub."""
    values = {}
    for m in task.metrics:
        key = f'val/{prefix}{m.key}'
        scalar = hub.log_scalars.get(key)
        if scalar is None and m.if_absent is not None:
            values[m.name] = m.if_absent
            continue
        if scalar is None:
            found = sorted(k for k in hub.log_scalars if k.startswith('val/'))
            raise KeyError(f'{task.name} pipeline: the run reported no {key!r} '
                           f'(its validation reported {found}); check the task\'s metric key')
        values[m.name] = float(scalar.current()) * m.factor
    return values


def teacher_evaluated(runner) -> bool:
    """Whether the run's validation also evaluated a teacher: not in a distillation
    without a teacher (teacher-free KD), nor with ``evaluate_teacher=False`` (LW-KD's
    teacher, of another data set)."""
    from mmengine.model import is_model_wrapper
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    return getattr(model, 'has_teacher', True) and \
        getattr(runner.val_loop, 'evaluate_teacher', False)


def execute(task: Task, run: Run, out_dir: str, teacher_cache: Optional[str] = None) -> dict:
    """Train one run (unless the same run already finished) and return its result.

    ``teacher_cache``: a folder for the teacher-output cache of the distillation
    runs (:class:`~sfkd.engine.hooks.TeacherCacheHook`); the first student of a
    teacher and method fills it, the other seeds read it.
    """
    result_file = osp.join(run.work_dir, 'result.json')
    options = list(run.options)
    if run.init_from:
        ckpt = teacher_checkpoint(f'{out_dir}/teacher_{run.init_from}')
        options.append(f'model.teacher_ckpt={ckpt}')
    if teacher_cache and run.kind == 'distill':
        options += [f'teacher_cache.root={teacher_cache}', 'teacher_cache.progress=False']
    if osp.isfile(result_file):
        done = json.load(open(result_file))
        if (done.get('config') == run.config and done.get('options') == options
                and 'metrics' in done):
            return done
    start = time.perf_counter()
    runner = train_tool.run([run.config, '--work-dir', run.work_dir, '--cfg-options', *options])
    hub = runner.message_hub
    result = dict(kind=run.kind, teacher=run.teacher, method=run.method, seed=run.seed,
                  metrics=read_metrics(task, hub), config=run.config, options=options,
                  seconds=round(time.perf_counter() - start, 1), machine=describe_machine())
    if run.kind == 'distill' and teacher_evaluated(runner):
        result['teacher_metrics'] = read_metrics(task, hub, 'teacher.')
    with open(result_file, 'w') as f:
        json.dump(result, f)
    return result


def run_pipeline(task: Task, scale: Scale, out_dir: str,
                 progress: Optional[Callable[[Run, int, int], None]] = None,
                 runs: Optional[List[Run]] = None,
                 teacher_cache: Optional[str] = None) -> List[dict]:
    """Run (or continue) the pipeline; return every run's result.

    ``runs`` replaces :func:`plan`'s runs, for a study that combines teachers
    and methods otherwise (tools/analysis/kd_variants.py). ``teacher_cache``:
    see :func:`execute`.
    """
    os.makedirs(out_dir, exist_ok=True)
    runs = plan(task, scale, out_dir) if runs is None else runs
    results = []
    for i, run in enumerate(runs):
        if progress:
            progress(run, i, len(runs))
        results.append(execute(task, run, out_dir, teacher_cache))
    return results


def run_with_progress(task: Task, scale: Scale, out_dir: str,
                      runs: Optional[List[Run]] = None,
                      teacher_cache: Optional[str] = None) -> List[dict]:
    """:func:`run_pipeline` with a progress bar on stderr, one step a run."""
    from tqdm import tqdm
    bar = tqdm(total=None, unit='run', dynamic_ncols=True)

    def progress(run: Run, i: int, total: int) -> None:
        bar.total, bar.n = total, i
        bar.set_description(run.label)
        bar.refresh()

    results = run_pipeline(task, scale, out_dir, progress, runs, teacher_cache)
    bar.n = bar.total
    bar.set_description('done')
    bar.close()
    return results

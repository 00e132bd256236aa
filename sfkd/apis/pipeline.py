"""The two-stage pipeline: train the teachers of a task (over one or several
teacher seeds), then distil the same student from each with several KD methods
over several seeds, and train the student alone as the reference.

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

from mmengine.config import DictAction

from sfkd.apis.tasks import Scale, Task
from sfkd.apis.tasks.task import STUDENT_WEIGHTS
from sfkd.apis.training import train
from sfkd.utils.machine import describe_machine
from sfkd.utils.provenance import process_code_state


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
    # the teacher run (work dir teacher_<init_from>) whose final checkpoint goes in
    # as model.teacher_ckpt
    init_from: Optional[str] = None
    # the teacher seed of a teacher run and of its students; None: the single teacher
    # seed 0 of a scale whose runs are named without it
    teacher_seed: Optional[int] = None

    @property
    def label(self) -> str:
        tseed = '-' if self.teacher_seed is None or self.kind == 'teacher' \
            else f'tseed{self.teacher_seed}'
        parts = [self.kind, self.teacher, self.method, tseed, f'seed{self.seed}']
        return ' '.join(p for p in parts if p != '-')


def teacher_run_name(scale: Scale, teacher: str, teacher_seed: int) -> str:
    """``<type>`` (the single teacher seed 0) or ``<type>_seed<t>``: the teacher run
    ``teacher_<name>`` and a student's ``init_from``."""
    return f'{teacher}_seed{teacher_seed}' if scale.seeded_teachers else teacher


def student_run_name(scale: Scale, method: str, teacher: str, teacher_seed: int,
                     seed: int) -> str:
    """``<method>_<type>_seed<s>``, or ``<method>_<type>_tseed<t>_seed<s>`` with teacher seeds."""
    tseed = f'_tseed{teacher_seed}' if scale.seeded_teachers else ''
    return f'{method}_{teacher}{tseed}_seed{seed}'


def data_options(scale: Scale, epochs: int, seed: int) -> List[str]:
    """The options every run of a scale gets; sfkd's train loop fits the
    configs' schedules to ``max_epochs`` (sfkd.engine.schedule_fit)."""
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
            f'randomness.seed={seed}', 'log_level=ERROR',
            'default_hooks.checkpoint.max_keep_ckpts=1']
    if scale.train_size:
        opts.append(f'train_dataloader.dataset.indices={scale.train_size}')
    if scale.val_size:
        opts.append(f'val_dataloader.dataset.indices={scale.val_size}')
    if scale.train_pipeline_from:
        opts.append(f'train_pipeline_from={scale.train_pipeline_from}')
    return opts + list(scale.options)


def recorded(scale: Scale, teacher_seed: int) -> Optional[int]:
    """A run's ``teacher_seed``: None where the runs are named without it."""
    return teacher_seed if scale.seeded_teachers else None


def student_options(task: Task, scale: Scale, teacher: str, method: str) -> List[str]:
    """The extra options of a student of ``teacher`` distilled with ``method``: none with
    ``student_weights='shared'``, the teacher's ``student_options`` with ``'paper'``."""
    if scale.student_weights not in STUDENT_WEIGHTS:
        raise ValueError(f'{task.name} pipeline: student_weights={scale.student_weights!r} is '
                         f'not one of {list(STUDENT_WEIGHTS)}; use shared (each KD config\'s '
                         'weights) or paper (the teacher paper\'s student stage)')
    if scale.student_weights == 'shared':
        return []
    return list(task.teacher_spec(scale, teacher).student_options.get(method, ()))


def plan(task: Task, scale: Scale, out_dir: str) -> List[Run]:
    """Every run, in order: the teachers (each type over the teacher seeds), then per
    student seed the student alone and, for every teacher type and teacher seed, the
    students of every KD method."""
    unknown = sorted(set(scale.methods) - set(task.methods))
    if unknown:
        raise KeyError(f'{task.name} pipeline: unknown KD method(s) {unknown}; '
                       f'known: {sorted(task.methods)}')
    tseeds = list(scale.teacher_seeds)
    if not tseeds or len(set(tseeds)) != len(tseeds):
        raise ValueError(f'{task.name} pipeline: teacher_seeds={tseeds} must be distinct seeds, '
                         'at least one, e.g. (0, 1, 2)')
    runs = []
    for name in scale.teachers:
        spec = task.teacher_spec(scale, name)
        for t in tseeds:
            options = data_options(scale, spec.epochs or scale.teacher_epochs, t) + \
                list(spec.options)
            start = spec.finetune_from and teacher_run_name(scale, spec.finetune_from, t)
            runs.append(Run('teacher', name, '-', t, spec.config,
                            f'{out_dir}/teacher_{teacher_run_name(scale, name, t)}', options,
                            init_from=start or None, teacher_seed=recorded(scale, t)))
    for seed in scale.seeds:
        runs.append(Run('alone', '-', '-', seed, task.student_alone, f'{out_dir}/alone_seed{seed}',
                        data_options(scale, scale.student_epochs, seed)))
        for name in scale.teachers:
            for t in tseeds:
                for method in scale.methods:
                    runs.append(Run(
                        'distill', name, method, seed, task.methods[method],
                        f'{out_dir}/{student_run_name(scale, method, name, t, seed)}',
                        data_options(scale, scale.student_epochs, seed)
                        + student_options(task, scale, name, method),
                        init_from=teacher_run_name(scale, name, t),
                        teacher_seed=recorded(scale, t)))
    return runs


def cfg_options(options: List[str]) -> dict:
    """A run's ``key=value`` options as the ``cfg_options`` of :func:`sfkd.apis.train`,
    each value read as ``--cfg-options`` reads it (MMEngine's ``DictAction``: numbers,
    ``True``/``None``, lists and tuples)."""
    parsed = {}
    for option in options:
        key, value = option.split('=', 1)
        parsed[key] = DictAction._parse_iterable(value)
    return parsed


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
    has_teacher = not hasattr(model, 'get_teacher') or model.get_teacher() is not None
    return has_teacher and getattr(runner.val_loop, 'evaluate_teacher', False)


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
    runner = train(run.config, work_dir=run.work_dir, cfg_options=cfg_options(options)).runner
    hub = runner.message_hub
    result = dict(kind=run.kind, teacher=run.teacher, method=run.method, seed=run.seed)
    if run.teacher_seed is not None:
        result['teacher_seed'] = run.teacher_seed
    result.update(metrics=read_metrics(task, hub), config=run.config, options=options,
                  seconds=round(time.perf_counter() - start, 1), machine=describe_machine(),
                  code=process_code_state())
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
    and methods otherwise (projects/kd_variants/kd_variants.py). ``teacher_cache``:
    see :func:`execute`.
    """
    os.makedirs(out_dir, exist_ok=True)
    runs = plan(task, scale, out_dir) if runs is None else runs
    process_code_state()  # the code that trains the runs: read before the first one
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

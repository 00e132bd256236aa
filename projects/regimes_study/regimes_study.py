"""Do student-friendly teachers help across regimes? Teachers, calibration and KD students.

Each regime trains the three teacher types on augmented Fashion-MNIST
(``sfkd::_base_/datasets/fashion_mnist_aug.py``: random crop with padding 4,
horizontal flip) -- the standard small ResNet, an SFTN teacher with branches
of the regime's student (Park et al., NeurIPS 2021, arXiv:2102.07650) and a
SoTeacher teacher (Lipschitz + consistency regularisers; Dong et al., ICLR
2024, arXiv:2206.06661) -- then distils the regime's student from each with
KD (Hinton et al., arXiv:1503.02531) over the seeds, and trains the student
alone as the reference:

    long-aug      the small ResNet -> tiny ResNet pair (77.8k / 19.8k parameters)
                  with schedules long enough for the standard teacher to fit its
                  training subset (>= 99 % top-1 there is checked and reported)
    gap           a large capacity gap: the same teacher -> a quarter-width ResNet
                  (5.1k parameters, 1/15 of the teacher's)
    cross-family  the same teacher -> a MobileNetV2-style student (27.2k parameters,
                  sfkd::_base_/models/mobilenet_v2_small_fmnist.py)
    sweep         the long-aug pair with SFTN's l_KL (model.branch_imitation_weight:
                  1, 3, 10 at tau 1) and temperature (model.imitation_loss.tau: 2, 4
                  at l_KL 3) swept, next to the standard and SoTeacher teachers
    lipschitz     the long-aug pair with a second SoTeacher teacher whose Lipschitz
                  weight is scaled to the run's optimiser steps (weight * 187,680 /
                  max_iters: configs/soteacher/soteacher-aug-steps_small-resnet_fashion-mnist.py)

Per teacher it records the test top-1, the top-1 on its (un-augmented) training
subset, and its calibration on the test set: ECE (15 bins, %) and NLL (nats)
(``sfkd.apis.calibration``; Guo et al., ICML 2017, arXiv:1706.04599); per
student the test top-1 of every seed.

All runs go through the pipeline's runs (``sfkd.apis.pipeline``): a run whose
``result.json`` holds the same config and options is reused, so an interrupted
study continues where it stopped, and the regimes share one runs folder
(``--dir``): the standard and SoTeacher teachers do not depend on the student
and are trained once for all regimes, and the sweep reuses the long-aug
regime's teachers and students.

Example::

    python projects/regimes_study/regimes_study.py --regime long-aug --scale full \\
        --out results/regimes/long-aug

Writes study.md (the tables, the command and the measured time of each part),
study.csv (one row per teacher and seed, plus the student alone),
full_runs.csv (``candidate,accuracy,seconds`` per teacher: the input of
``tools/select_teacher.py --full-results``) and study.png (teacher
test top-1 against KD-student test top-1, every teacher type on one figure)
to ``--out``, and prints each part's time.

The full scale: teachers 200 epochs and students 60 on the first 1000
training images, seeds 0, 1, 2, the 10k test images. On 1000 images 200
epochs fit the standard teacher to all of them; 5000 images at 40 epochs
(the ``aug-5000`` scale, kept for its stored run) reached only 90 %.
Each regime's study.md gives the measured time of each of its parts.
``--estimate`` times 1-epoch runs of every model on two subset sizes and
extrapolates a scale's runs instead.

``--teacher-seeds 0 1 2`` trains every teacher once per teacher seed, each
with the students' seeds; the report is then over every teacher seed and seed,
with a per-teacher-seed table and the teacher-seed spread. ``--only TEACHER...``
trains only those teachers and their KD students, without a report, so that two
processes can share a regime's runs.

Run the regimes one after another, long-aug first (the sweep reuses it), each
in one process (the runs use one core each with OMP_NUM_THREADS=1; two regimes
may run side by side on two cores once the shared teachers exist).
"""
import argparse
import csv
import dataclasses
import logging
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Sequence, Tuple

from sfkd.apis import Run, Scale, TeacherSpec, run_with_progress, teacher_checkpoint
from sfkd.apis.pipeline import data_options
from sfkd.apis.tasks import classification as cls
from sfkd.utils.report import annotate_points, figure, markdown_table, mean_std, std

# the study's own configs (projects/regimes_study/configs), which inherit sfkd's
CFG = osp.join(osp.dirname(osp.abspath(__file__)), 'configs') + osp.sep
STANDARD = TeacherSpec(f'{CFG}baseline/small-resnet_aug_fashion-mnist.py')
SOTEACHER = TeacherSpec(f'{CFG}soteacher/soteacher-aug_small-resnet_fashion-mnist.py')
# the Lipschitz weight scaled to the run's optimiser steps (LipschitzRegularizer steps='auto')
SOTEACHER_STEPS = TeacherSpec(f'{CFG}soteacher/soteacher-aug-steps_small-resnet_fashion-mnist.py')
# the plain teacher config every teacher's teacher_final.pth loads into
TEACHER_CONFIG = STANDARD.config
SFTN_DEFAULTS = dict(lkl=3.0, tau=1.0)  # the SFTN configs' l_KL and tau


@dataclasses.dataclass(frozen=True)
class Pair:
    """A regime's student: its configs alone, under KD and as SFTN branches."""
    label: str
    alone: str
    kd: str
    sftn: str


PAIRS = {
    'tiny-resnet': Pair('tiny ResNet', f'{CFG}baseline/tiny-resnet_aug_fashion-mnist.py',
                        f'{CFG}kd/kd-aug_small-resnet_tiny-resnet_fashion-mnist.py',
                        f'{CFG}sftn/sftn-aug_small-resnet_tiny-resnet_fashion-mnist.py'),
    'micro-resnet': Pair('quarter-width ResNet',
                         f'{CFG}baseline/micro-resnet_aug_fashion-mnist.py',
                         f'{CFG}kd/kd-aug_small-resnet_micro-resnet_fashion-mnist.py',
                         f'{CFG}sftn/sftn-aug_small-resnet_micro-resnet_fashion-mnist.py'),
    'mobilenet-v2-small': Pair(
        'MobileNetV2-style', f'{CFG}baseline/mobilenet-v2-small_aug_fashion-mnist.py',
        f'{CFG}kd/kd-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py',
        f'{CFG}sftn/sftn-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py'),
}


@dataclasses.dataclass(frozen=True)
class Regime:
    """The student of a regime, its SFTN teachers (name -> (l_KL, tau)) and its
    SoTeacher teachers (name -> spec; by default the one SoTeacher teacher)."""
    name: str
    title: str
    pair: str
    sftn: Dict[str, Tuple[float, float]]
    soteachers: Dict[str, TeacherSpec] = dataclasses.field(
        default_factory=lambda: {'soteacher': SOTEACHER})

    def teachers(self) -> Dict[str, TeacherSpec]:
        """Teacher name -> spec, in table order: standard, SFTN ones, SoTeacher."""
        config = PAIRS[self.pair].sftn
        specs = {'standard': STANDARD}
        for name, (lkl, tau) in self.sftn.items():
            options = []
            if lkl != SFTN_DEFAULTS['lkl']:
                options.append(f'model.branch_imitation_weight={lkl}')
            if tau != SFTN_DEFAULTS['tau']:
                options.append(f'model.imitation_loss.tau={tau}')
            specs[name] = TeacherSpec(config, tuple(options))
        specs.update(self.soteachers)
        return specs

    def teacher_type(self, name: str) -> str:
        """``standard``, ``sftn`` or ``soteacher``."""
        return 'sftn' if name in self.sftn else 'soteacher' if name in self.soteachers \
            else name


DEFAULT = (SFTN_DEFAULTS['lkl'], SFTN_DEFAULTS['tau'])
REGIMES = {
    'long-aug': Regime('long-aug', 'small ResNet -> tiny ResNet, long schedules',
                       'tiny-resnet', {'sftn': DEFAULT}),
    'gap': Regime('gap', 'small ResNet -> quarter-width ResNet (capacity gap)',
                  'micro-resnet', {'sftn-gap': DEFAULT}),
    'cross-family': Regime('cross-family', 'small ResNet -> MobileNetV2-style student',
                           'mobilenet-v2-small', {'sftn-xfam': DEFAULT}),
    'sweep': Regime('sweep', "small ResNet -> tiny ResNet, SFTN's l_KL and tau swept",
                    'tiny-resnet', {'sftn': DEFAULT, 'sftn-lkl1': (1.0, 1.0),
                                    'sftn-lkl10': (10.0, 1.0), 'sftn-tau2': (3.0, 2.0),
                                    'sftn-tau4': (3.0, 4.0)}),
    'lipschitz': Regime('lipschitz', "small ResNet -> tiny ResNet, SoTeacher's Lipschitz "
                        "weight as given and scaled to the run's steps", 'tiny-resnet', {},
                        {'soteacher': SOTEACHER, 'soteacher-steps': SOTEACHER_STEPS}),
}
# every run of a regime loads its data in the main process: with runs of a few
# seconds, starting and stopping workers is a large part of each
NO_WORKERS = tuple(f'{loader}.{key}' for loader in ('train_dataloader', 'val_dataloader')
                   for key in ('num_workers=0', 'persistent_workers=False'))
SCALES = {
    # the study: on 1000 images, 200 epochs fit the standard teacher to 100 % of
    # them (a 5000-image, 40-epoch teacher reached 90 %, 2000 images at 100 epochs 97 %)
    'full': Scale('full', teacher_epochs=200, student_epochs=60, seeds=(0, 1, 2),
                  teachers=(), methods=('kd', ), train_size=1000),
    # the first, under-fitted scale (its long-aug regime is stored as long-aug-5000)
    'aug-5000': Scale('aug-5000', teacher_epochs=40, student_epochs=20, seeds=(0, 1, 2),
                      teachers=(), methods=('kd', ), train_size=5000),
    # a few seconds per run, for the tests; its numbers mean nothing
    'smoke': Scale('smoke', teacher_epochs=1, student_epochs=1, seeds=(0, ),
                   teachers=(), methods=('kd', ), train_size=256, val_size=256),
}


def teacher_key(name: str, teacher_seed: int) -> str:
    """A teacher run's name: ``<name>`` for teacher seed 0 (so that every regime and
    study shares it), ``<name>_seed<t>`` for the other teacher seeds."""
    return name if teacher_seed == 0 else f'{name}_seed{teacher_seed}'


def regime_plan(regime: Regime, scale: Scale, out: str) -> List[Run]:
    """The runs: the teachers (``{out}/teacher_<name>[_seed<t>]``, shared between
    regimes), then per seed the student alone and its KD students (``{out}/<student>/``,
    shared by the regimes of one student; ``kd_<name>[_tseed<t>]_seed<s>``)."""
    pair = PAIRS[regime.pair]
    students = f'{out}/{regime.pair}'
    tseeds = list(scale.teacher_seeds)
    runs = [Run('teacher', name, '-', t, spec.config, f'{out}/teacher_{teacher_key(name, t)}',
                data_options(scale, scale.teacher_epochs, t) + list(NO_WORKERS)
                + list(spec.options), teacher_seed=t)
            for name, spec in regime.teachers().items() for t in tseeds]
    for seed in scale.seeds:
        options = data_options(scale, scale.student_epochs, seed) + list(NO_WORKERS)
        runs.append(Run('alone', '-', '-', seed, pair.alone, f'{students}/alone_seed{seed}',
                        list(options)))
        runs += [Run('distill', name, 'kd', seed, pair.kd,
                     f'{students}/kd_{name}{"" if t == 0 else f"_tseed{t}"}_seed{seed}',
                     list(options), init_from=teacher_key(name, t), teacher_seed=t)
                 for name in regime.teachers() for t in tseeds]
    return runs


def task_of(regime: Regime):
    """The classification task with the regime's teachers, KD config and student."""
    pair = PAIRS[regime.pair]
    return dataclasses.replace(cls.TASK, name=f'regimes {regime.name}',
                               teachers=regime.teachers(), methods={'kd': pair.kd},
                               student_alone=pair.alone, student=pair.label)


def measure_teachers(keys: Sequence[str], scale: Scale, out: str) -> Dict[str, dict]:
    """Per teacher run (:func:`teacher_key`): test top-1, ECE and NLL on the test
    set, and top-1 on its training subset through the test pipeline (no augmentation)."""
    from mmengine.registry import init_default_scope

    from sfkd.apis.agreement import evaluation_loaders, load_classifier, predict_logits
    from sfkd.apis.calibration import calibration_metrics
    from sfkd.utils import register_all_modules

    register_all_modules()
    init_default_scope('sfkd')
    test, train = evaluation_loaders(TEACHER_CONFIG, scale.val_size, scale.train_size)
    found = {}
    for key in keys:
        model = load_classifier(TEACHER_CONFIG, teacher_checkpoint(f'{out}/teacher_{key}'))
        logits, labels = predict_logits(model, test)
        fit, fit_labels = predict_logits(model, train)
        found[key] = dict(
            teacher_top1=100.0 * (logits.argmax(1) == labels).double().mean().item(),
            teacher_train_top1=100.0 * (fit.argmax(1) == fit_labels).double().mean().item(),
            **{f'teacher_{k}': v for k, v in calibration_metrics(logits, labels).items()})
    return found


def rows_of(regime: Regime, runs: List[Run], results: List[dict],
            teachers: Dict[str, dict]) -> List[dict]:
    """One row per teacher, teacher seed and seed (the KD student), then one per
    seed of the student alone (teacher ``-``). ``teachers``: :func:`measure_teachers`."""
    rows = []
    for name in regime.teachers():
        lkl, tau = regime.sftn.get(name, (None, None))
        kind = regime.teacher_type(name)
        for run, r in zip(runs, results):
            if run.kind == 'distill' and run.teacher == name:
                rows.append(dict(regime=regime.name, teacher=name, teacher_type=kind,
                                 lkl=lkl, tau=tau, teacher_seed=run.teacher_seed, seed=run.seed,
                                 **teachers[teacher_key(name, run.teacher_seed)],
                                 student_top1=r['metrics']['accuracy'],
                                 student_seconds=r['seconds']))
    rows += [dict(regime=regime.name, teacher='-', teacher_type='alone', seed=run.seed,
                  student_top1=r['metrics']['accuracy'], student_seconds=r['seconds'])
             for run, r in zip(runs, results) if run.kind == 'alone']
    return rows


def part_times(regime: Regime, results: List[dict], measure_seconds: float) -> List[tuple]:
    """``(part, runs, seconds)``: each teacher's run, the students alone, the KD
    students of each teacher, and the teacher measurements. The seconds are the
    runs' own (stored in their result.json when they were trained)."""
    parts = []
    for name in regime.teachers():
        rs = [r for r in results if r['kind'] == 'teacher' and r['teacher'] == name]
        parts.append((f'teacher {name}', len(rs), sum(r['seconds'] for r in rs)))
    alone = [r for r in results if r['kind'] == 'alone']
    parts.append(('student alone', len(alone), sum(r['seconds'] for r in alone)))
    for name in regime.teachers():
        rs = [r for r in results if r['kind'] == 'distill' and r['teacher'] == name]
        parts.append((f'KD students of {name}', len(rs), sum(r['seconds'] for r in rs)))
    parts.append(('teacher measurements (this call)', 0, measure_seconds))
    return parts


def _value(v):
    return '-' if v is None else f'{v:g}'


def teacher_runs(regime: Regime, rows: List[dict]) -> List[Tuple[str, str, List[dict]]]:
    """``(name, key, rows)`` per teacher run of ``rows`` (:func:`teacher_key`), in
    table order: teacher by teacher, teacher seeds ascending."""
    out = []
    for name in regime.teachers():
        tseeds = sorted({r['teacher_seed'] for r in rows if r['teacher'] == name})
        out += [(name, teacher_key(name, t),
                 [r for r in rows if r['teacher'] == name and r['teacher_seed'] == t])
                for t in tseeds]
    return out


def report(regime: Regime, rows: List[dict], parts: List[tuple], scale: Scale, out: str,
           command: str, teacher_seconds: Dict[str, float]) -> str:
    """Write study.md, study.csv, full_runs.csv and study.png; return the tables.
    ``teacher_seconds``: each teacher run's own time, by :func:`teacher_key`."""
    os.makedirs(out, exist_ok=True)
    fields = ['regime', 'teacher', 'teacher_type', 'lkl', 'tau', 'teacher_seed', 'seed',
              'teacher_top1', 'teacher_train_top1', 'teacher_ece', 'teacher_nll',
              'student_top1', 'student_seconds']
    with open(osp.join(out, 'study.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval='')
        writer.writeheader()
        writer.writerows(rows)
    runs = teacher_runs(regime, rows)
    with open(osp.join(out, 'full_runs.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['candidate', 'accuracy', 'seconds'])
        for _, key, rs in runs:
            writer.writerow([f'teacher_{key}', f'{statistics.mean(r["student_top1"] for r in rs):.4f}',
                             f'{teacher_seconds[key] + sum(r["student_seconds"] for r in rs):.1f}'])
    alone = [r['student_top1'] for r in rows if r['teacher'] == '-']
    cells = []
    for name in regime.teachers():
        rs = [r for r in rows if r['teacher'] == name]
        # the teacher's numbers once per teacher run, over the teacher seeds
        firsts = [trs[0] for n, _, trs in runs if n == name]
        gain = statistics.mean(r['student_top1'] for r in rs) - statistics.mean(alone)
        cells.append([name, _value(rs[0]['lkl']), _value(rs[0]['tau']),
                      mean_std([t['teacher_top1'] for t in firsts]),
                      mean_std([t['teacher_train_top1'] for t in firsts]),
                      mean_std([t['teacher_ece'] for t in firsts]),
                      mean_std([t['teacher_nll'] for t in firsts], 3),
                      mean_std([r['student_top1'] for r in rs]), f'{gain:+.2f}'])
    cells.append(['(student alone)', '', '', '', '', '', '', mean_std(alone), ''])
    table = '\n'.join(markdown_table(
        ['teacher', 'l_KL', 'tau', 'teacher top-1', 'teacher top-1 on its training images',
         'teacher ECE (%)', 'teacher NLL', 'KD student top-1',
         'KD gain over the student alone'], cells))
    tseeds = sorted({r['teacher_seed'] for r in rows if r['teacher'] != '-'})
    spread = ''
    if len(tseeds) > 1:
        spread_lines = markdown_table(
            ['teacher', 'teacher seed', 'teacher top-1', 'teacher top-1 on its training images',
             'teacher ECE (%)', 'teacher NLL', 'KD student top-1 (over seeds)'],
            [[name, str(rs[0]['teacher_seed']), f'{rs[0]["teacher_top1"]:.2f}',
              f'{rs[0]["teacher_train_top1"]:.2f}', f'{rs[0]["teacher_ece"]:.2f}',
              f'{rs[0]["teacher_nll"]:.3f}', mean_std([r['student_top1'] for r in rs])]
             for name, _, rs in runs])
        spreads = []
        for name in regime.teachers():
            means = [statistics.mean(r['student_top1'] for r in rs)
                     for n, _, rs in runs if n == name]
            spreads.append([name, f'{statistics.stdev(means):.2f}'])
        spread_lines += [''] + markdown_table(
            ['teacher', "teacher-seed spread of the KD students (std of the teacher seeds' means)"],
            spreads)
        spread = '\n'.join(spread_lines)
    total = sum(p[2] for p in parts)
    time_lines = markdown_table(
        ['part', 'runs', 'minutes'],
        [[part, str(n), f'{seconds / 60:.1f}'] for part, n, seconds in parts] +
        [['total', str(sum(p[1] for p in parts)), f'{total / 60:.1f}']])
    train = f'the first {scale.train_size} training images' if scale.train_size \
        else 'all 60k training images'
    test = f'the first {scale.val_size} test images' if scale.val_size else 'the 10k test images'
    over = 'seeds' if len(tseeds) < 2 else 'every teacher seed and seed'
    with open(osp.join(out, 'study.md'), 'w') as f:
        f.write(f'# Friendly-teacher regimes: {regime.name} ({scale.name} scale)\n\n'
                f'{regime.title}. Augmented Fashion-MNIST (random crop, padding 4; '
                f'horizontal flip), {train}; teachers {scale.teacher_epochs} epochs '
                f'(teacher seeds {tseeds}), the {PAIRS[regime.pair].label} student '
                f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; test metrics on '
                f'{test}, mean ± std over {over} (a teacher\'s own numbers over its teacher '
                'seeds). Teacher top-1 on its training images: the same training subset '
                'without augmentation. ECE: 15 equal-width confidence bins.\n\n'
                f'{table}\n\n'
                + (f'Per teacher seed:\n\n{spread}\n\n' if spread else '')
                + f'Command: `{command}`\n\nTime of each part (each run\'s own '
                f'wall time, from its result.json):\n\n' + '\n'.join(time_lines) + '\n')
    plot(regime, rows, osp.join(out, 'study.png'))
    return '\n\n'.join(t for t in (table, spread, '\n'.join(time_lines)) if t)


MARKERS = {'standard': ('o', 'tab:blue', 'standard'), 'sftn': ('^', 'tab:orange', 'SFTN'),
           'soteacher': ('s', 'tab:green', 'SoTeacher')}


ZOOM_POINTS = 10.0  # a teacher this far below the best one gets the plot a zoomed panel


def plot(regime: Regime, rows: List[dict], path: str) -> None:
    """KD-student test top-1 (mean ± std over seeds) against teacher test top-1,
    one point per teacher run (teacher and teacher seed), marked by type; the
    student alone as a dashed line. When a teacher lies more than
    ``ZOOM_POINTS`` of top-1 below the best one (a broken teacher), a second
    panel shows the teachers within that distance of the best, so that they do
    not crowd into one corner."""
    points = []
    for name, key, rs in teacher_runs(regime, rows):
        ys = [r['student_top1'] for r in rs]
        points.append(dict(key=key, type=rs[0]['teacher_type'], x=rs[0]['teacher_top1'],
                           y=statistics.mean(ys), err=std(ys)))
    best = max(p['x'] for p in points)
    near = [p for p in points if p['x'] >= best - ZOOM_POINTS]
    panels = [(points, f'{regime.name}: {regime.title}')]
    if len(near) < len(points):
        panels.append((near, f'the teachers within {ZOOM_POINTS:g} points of the best'))
    alone = statistics.mean(r['student_top1'] for r in rows if r['teacher'] == '-')
    with figure(path, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False) as (_, axes):
        for ax, (shown, title) in zip(axes[0], panels):
            labelled = set()
            for p in shown:
                marker, colour, label = MARKERS[p['type']]
                ax.errorbar(p['x'], p['y'], yerr=p['err'], fmt=marker, color=colour, capsize=3,
                            label=None if label in labelled else label)
                labelled.add(label)
            annotate_points(ax, [(p['x'], p['y'], p['key']) for p in shown], offset=4)
            ax.axhline(alone, ls='--', color='grey', label='student alone')
            ax.set_xlabel('teacher test top-1 (%)')
            ax.set_ylabel('KD student test top-1 (%), mean ± std')
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=8)


ESTIMATE_SIZES = (250, 2000)  # training images of the two timed 1-epoch runs per model
ESTIMATE_VAL = 500


def estimate_runs(run_dir: str, size: int) -> Tuple[List[Run], Dict[str, Tuple[str, str]]]:
    """One 1-epoch run of every distinct model of the regimes on ``size`` images:
    the teachers, and per student its run alone and its KD run (from the standard
    teacher). Returns the runs and label -> (kind, what) for the per-model table."""
    scale = Scale('estimate', 1, 1, (0, ), (), ('kd', ), train_size=size, val_size=ESTIMATE_VAL)
    out = f'{run_dir}/estimate/{size}'
    options = data_options(scale, 1, 0) + list(NO_WORKERS)
    runs, labels = [], {}
    teachers = {}
    for regime in REGIMES.values():
        teachers.update({n: s for n, s in regime.teachers().items()
                         if n in ('standard', 'soteacher') or not s.options})
    for name, spec in teachers.items():
        runs.append(Run('teacher', name, '-', 0, spec.config, f'{out}/teacher_{name}',
                        options + list(spec.options)))
        labels[f'teacher {name}'] = ('teacher', name)
    for key, pair in PAIRS.items():
        runs.append(Run('alone', '-', '-', 0, pair.alone, f'{out}/{key}/alone', list(options)))
        runs.append(Run('distill', 'standard', 'kd', 0, pair.kd, f'{out}/{key}/kd',
                        list(options), init_from='standard'))
        labels[f'{key} alone'] = ('alone', key)
        labels[f'{key} KD'] = ('distill', key)
    return runs, labels


def estimate(run_dir: str, scale: Scale, out: str, command: str) -> str:
    """Time every model for one epoch on two subset sizes, fit seconds = fixed +
    per-image cost, and extrapolate each regime's runs to ``scale``."""
    timed = {}
    for size in ESTIMATE_SIZES:
        runs, labels = estimate_runs(run_dir, size)
        results = run_with_progress(cls.TASK, Scale('estimate', 1, 1, (0, ), (), ()),
                                    f'{run_dir}/estimate/{size}', runs=runs)
        for run, r in zip(runs, results):
            key = f'teacher {run.teacher}' if run.kind == 'teacher' else \
                f'{run.work_dir.split("/")[-2]} {"alone" if run.kind == "alone" else "KD"}'
            timed.setdefault(key, {})[size] = r['seconds']
    (n1, n2) = ESTIMATE_SIZES
    model = {}
    for key, t in timed.items():
        per_image = max((t[n2] - t[n1]) / (n2 - n1), 0.0)
        model[key] = (max(t[n1] - per_image * n1, 0.0), per_image)
    images = scale.train_size or 60000

    def seconds(key, epochs):
        fixed, per_image = model[key]
        return fixed + per_image * images * epochs

    lines = markdown_table(
        ['model', f'1 epoch on {n1} images (s)', f'1 epoch on {n2} images (s)', 'fixed (s)',
         'per 1000 image-epochs (s)'],
        [[k, f'{t[n1]:.1f}', f'{t[n2]:.1f}', f'{model[k][0]:.1f}', f'{1000 * model[k][1]:.2f}']
         for k, t in timed.items()])
    parts, done = [], set()
    for regime in REGIMES.values():
        total, n = 0.0, 0
        for name, spec in regime.teachers().items():
            if name in done:
                continue
            done.add(name)
            key = f'teacher {name}' if f'teacher {name}' in model else \
                f'teacher {next(iter(REGIMES[regime.name].sftn))}'
            total, n = total + seconds(key, scale.teacher_epochs), n + 1
        for seed in scale.seeds:
            if (regime.pair, seed, 'alone') not in done:
                done.add((regime.pair, seed, 'alone'))
                total, n = total + seconds(f'{regime.pair} alone', scale.student_epochs), n + 1
            for name in regime.teachers():
                if (regime.pair, seed, name) not in done:
                    done.add((regime.pair, seed, name))
                    total, n = total + seconds(f'{regime.pair} KD', scale.student_epochs), n + 1
        parts.append((regime.name, n, total))
    plan_lines = markdown_table(
        ['regime (runs not already in an earlier row)', 'runs', 'estimated minutes'],
        [[name, str(n), f'{sec / 60:.0f}'] for name, n, sec in parts] +
        [['total', str(sum(p[1] for p in parts)), f'{sum(p[2] for p in parts) / 60:.0f}']])
    text = ('\n'.join(lines) + '\n\n' + '\n'.join(plan_lines))
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'estimate.md'), 'w') as f:
        f.write(f'# Friendly-teacher regimes: time estimate for the {scale.name} scale\n\n'
                f'An ESTIMATE, not a measured study: every model trained for 1 epoch on the '
                f'first {n1} and {n2} augmented training images (validation on '
                f'{ESTIMATE_VAL} test images), each run\'s wall time fitted as fixed + '
                'per-image cost and extrapolated to the scale: teachers '
                f'{scale.teacher_epochs} epochs, students {scale.student_epochs} epochs, '
                f'{images} training images, seeds {list(scale.seeds)} (the SFTN sweep variants '
                'timed as the default SFTN teacher; validation on the 10k test images not '
                'included). The regimes share the standard and SoTeacher teachers and the sweep '
                'the long-aug runs; each row counts the runs it adds.\n\n'
                f'{text}\n\nCommand: `{command}`\n')
    return text


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--regime', choices=list(REGIMES))
    parser.add_argument('--estimate', action='store_true',
                        help="time 1-epoch runs of every model and extrapolate the scale's "
                        'runs (writes estimate.md to --out) instead of running a regime')
    parser.add_argument('--scale', choices=sorted(SCALES), default='full')
    parser.add_argument('--seeds', type=int, nargs='+', help="the students' seeds "
                        "(default: the scale's, 0 1 2 at full scale)")
    parser.add_argument('--teacher-seeds', type=int, nargs='+',
                        help='train every teacher once per teacher seed, each with the '
                        "students' seeds (default: 0 only); teacher seed 0 keeps the runs "
                        'named without it, so they are shared with the single-seed study')
    parser.add_argument('--dir', help='folder of the runs, shared by the regimes '
                        '(default: work_dirs/regimes_<scale>)')
    parser.add_argument('--out', help='report folder (default: <dir>/report_<regime>)')
    parser.add_argument('--only', nargs='+', metavar='TEACHER',
                        help="train only these teachers of the regime and their KD students, "
                        "and write no report: for sharing one regime's runs between processes "
                        "(a later call without --only reuses them and writes the report)")
    args = parser.parse_args(argv)
    if not args.estimate and not args.regime:
        parser.error('give --regime {%s} (or --estimate)' % ','.join(REGIMES))
    scale = SCALES[args.scale]
    if args.seeds:
        scale = dataclasses.replace(scale, seeds=tuple(args.seeds))
    if args.teacher_seeds:
        scale = dataclasses.replace(scale, teacher_seeds=tuple(args.teacher_seeds))
    run_dir = args.dir or f'work_dirs/regimes_{args.scale}'
    out = args.out or f'{run_dir}/report_{args.regime or "estimate"}'
    logging.getLogger('mmengine').setLevel(logging.WARNING)
    # paths relative to the working directory: a stored command names no machine's folders
    given = sys.argv[1:] if argv is None else list(argv)
    command = ' '.join(['python projects/regimes_study/regimes_study.py'] +
                       [osp.relpath(a) if osp.isabs(a) else a for a in given])
    if args.estimate:
        print('\n' + estimate(run_dir, scale, out, command) + '\n')
        return out
    regime = REGIMES[args.regime]
    if args.only:
        unknown = sorted(set(args.only) - set(regime.teachers()))
        if unknown:
            parser.error(f'--only: {unknown} not teacher(s) of the {regime.name} regime; '
                         f'its teachers: {list(regime.teachers())}')
        runs = [r for r in regime_plan(regime, scale, run_dir)
                if r.kind != 'alone' and r.teacher in args.only]
        run_with_progress(task_of(regime), scale, run_dir, runs=runs)
        print(f'{len(runs)} runs of {args.only} in {run_dir}; the report needs a call '
              'without --only')
        return out

    runs = regime_plan(regime, scale, run_dir)
    results = run_with_progress(task_of(regime), scale, run_dir, runs=runs)
    start = time.perf_counter()
    teacher_seconds = {teacher_key(run.teacher, run.teacher_seed): r['seconds']
                       for run, r in zip(runs, results) if run.kind == 'teacher'}
    teachers = measure_teachers(list(teacher_seconds), scale, run_dir)
    parts = part_times(regime, results, time.perf_counter() - start)
    text = report(regime, rows_of(regime, runs, results, teachers), parts, scale, out, command,
                  teacher_seconds)
    print(f'\n{text}\n')
    return out


if __name__ == '__main__':
    main()

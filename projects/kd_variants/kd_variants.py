"""SKD, LW-KD and teacher-free KD against plain KD and the student alone, on Fashion-MNIST.

The tiny ResNet student of the classification pipeline is trained

- alone (cross-entropy only);
- with plain KD from the standard small-ResNet teacher;
- with SKD (the same teacher's logits through a learning simplifier);
- with LW-KD (a LeNet teacher trained on synthetic digits, class-conditional
  soft targets, KD + adversarial loss);
- with teacher-free KD (Tf-KD_reg: a hand-made virtual teacher, no network);

over the scale's seeds, through the pipeline's runs (``sfkd.apis.pipeline``:
finished runs are reused, so pointing ``--dir`` at a pipeline folder of the
same scale reuses its teacher, students alone and KD students). Each row gives
the student's test top-1, its total cost (the wall time of the teacher stage
plus the student stage, on the same machine), and the time of one training
step relative to plain KD's, measured in this process with every method's
steps interleaved on one batch of 128 real images.

``--friendly sftn soteacher`` adds KD and SKD from the SFTN and SoTeacher
teachers (the methods compose). ``--methods`` picks other methods from
:data:`METHODS`, e.g. the logit, feature and heterogeneous-student methods since
2021: ``--methods kd_ls dkd_ls nkd uskd ctkd reviewkd ofa deit``. A method whose
student is another model (``deit``: a micro DeiT) also trains that student alone.

Example::

    python projects/kd_variants/kd_variants.py --out results/kd_variants

Writes results.md, results.csv, results.png, steps.csv and provenance.json to ``--out``.
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

from sfkd.apis import Run, Scale, TeacherSpec, plan, run_with_progress
from sfkd.apis import teacher_checkpoint, timing_text
from sfkd.apis.pipeline import data_options
from sfkd.apis.report import write_csv
from sfkd.apis.tasks import classification as cls
from sfkd.utils.provenance import write_provenance
from sfkd.utils.report import bar_chart, figure, markdown_table, mean_std, std

CFG = cls.CFG
ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TEACHERS = {
    **cls.TEACHERS,
    # LW-KD's lightweight teacher on as many synthetic digits as the student's images
    'lenet': TeacherSpec(f'{CFG}lwkd/lenet_synthetic-digits-10.py',
                         ('train_dataloader.dataset.num_samples=8000', ), epochs=4),
}
METHODS = {
    'kd': cls.METHODS['kd'],
    'skd': f'{CFG}skd/skd_small-resnet_tiny-resnet_fashion-mnist.py',
    'lwkd': f'{CFG}lwkd/lwkd_lenet_tiny-resnet_fashion-mnist.py',
    'tfkd': f'{CFG}tfkd/tfkd_tiny-resnet_fashion-mnist.py',
    # logit, feature and heterogeneous-student methods since 2021 (--methods)
    'kd_ls': f'{CFG}logit_stand/kd-ls_small-resnet_tiny-resnet_fashion-mnist.py',
    'dkd_ls': f'{CFG}logit_stand/dkd-ls_small-resnet_tiny-resnet_fashion-mnist.py',
    'nkd': f'{CFG}nkd/nkd_small-resnet_tiny-resnet_fashion-mnist.py',
    'uskd': f'{CFG}uskd/uskd_tiny-resnet_fashion-mnist.py',
    'ctkd': f'{CFG}ctkd/ctkd_small-resnet_tiny-resnet_fashion-mnist.py',
    'reviewkd': f'{CFG}reviewkd/reviewkd_small-resnet_tiny-resnet_fashion-mnist.py',
    'ofa': f'{CFG}ofa/ofa_small-resnet_tiny-resnet_fashion-mnist.py',
    # a micro DeiT student through its distillation token (hard labels)
    'deit': f'{CFG}deit/deit_small-resnet_deit-micro_fashion-mnist.py',
}
#: methods whose student is not the tiny ResNet: their student trained alone too
OTHER_STUDENTS = {'deit': f'{CFG}baseline/deit-micro_3e_fashion-mnist.py'}
#: the study's methods unless --methods names others
DEFAULT_METHODS = ('kd', 'skd', 'lwkd', 'tfkd')
#: methods without a teacher network, and the one on LW-KD's synthetic-digit teacher
TEACHER_FREE = ('tfkd', 'uskd')
ON_LENET = ('lwkd', )
TASK = dataclasses.replace(cls.TASK, name='kd_variants', teachers=TEACHERS, methods=METHODS)
SCALES = {
    # 8k training images, teachers 2 epochs (the LeNet 4), students 2, three seeds:
    # about 15 minutes on 2 CPU cores
    'default': Scale('default', teacher_epochs=2, student_epochs=2, seeds=(0, 1, 2),
                     teachers=(), methods=(), train_size=8000),
    # a few seconds per run, for the tests; its numbers mean nothing
    'smoke': Scale('smoke', teacher_epochs=1, student_epochs=1, seeds=(0, ),
                   teachers=(), methods=(), train_size=128, val_size=128),
}
LABELS = {'alone': 'student alone', 'kd': 'KD', 'skd': 'SKD', 'lwkd': 'LW-KD',
          'tfkd': 'teacher-free KD (Tf-KD_reg)', 'kd_ls': 'KD + logit standardisation',
          'dkd_ls': 'DKD + logit standardisation', 'nkd': 'NKD',
          'uskd': 'USKD (teacher-free NKD)', 'ctkd': 'KD + CTKD (learned temperature)',
          'reviewkd': 'ReviewKD', 'ofa': 'OFA-KD',
          'alone_deit': 'micro DeiT alone', 'deit': 'micro DeiT, distillation token'}
TEACHER_LABELS = {'-': 'none', 'standard': 'standard small ResNet',
                  'lenet': 'LeNet on synthetic digits', 'sftn': 'SFTN', 'soteacher': 'SoTeacher'}


def study_plan(scale: Scale, out: str, friendly=(), methods=DEFAULT_METHODS) -> list:
    """The runs: teachers first, then per seed the student alone, KD and every method
    (the friendly teachers distil with KD and SKD)."""
    def part(teachers, methods):
        return plan(TASK, dataclasses.replace(scale, teachers=teachers, methods=methods), out)

    methods = tuple(dict.fromkeys(('kd', *methods)))
    standard = tuple(m for m in methods if m not in TEACHER_FREE + ON_LENET)
    runs = part(('standard', ), standard)
    if friendly:
        runs += part(friendly, tuple(m for m in ('kd', 'skd') if m in methods) or ('kd', ))
    if any(m in ON_LENET for m in methods):
        runs += part(('lenet', ), tuple(m for m in methods if m in ON_LENET))
    runs += [Run('distill', '-', method, seed, METHODS[method], f'{out}/{method}_seed{seed}',
                 data_options(scale, scale.student_epochs, seed))
             for method in methods if method in TEACHER_FREE for seed in scale.seeds]
    runs += [Run('alone', '-', method, seed, OTHER_STUDENTS[method],
                 f'{out}/alone-{method}_seed{seed}', data_options(scale, scale.student_epochs, seed))
             for method in methods if method in OTHER_STUDENTS for seed in scale.seeds]
    unique = {}
    for run in sorted(runs, key=lambda r: r.kind != 'teacher'):  # stable: teachers first
        unique.setdefault(run.work_dir, run)
    return list(unique.values())


def rows_of(results: list) -> list:
    """One row per (method, teacher): accuracies, stage times and the seeds' spread."""
    teachers = {r['teacher']: r for r in results if r['kind'] == 'teacher'}
    groups = {}
    for r in results:
        if r['kind'] == 'teacher':
            continue
        if r['kind'] == 'alone':  # the tiny ResNet alone, or another method's student
            key = ('alone' if r['method'] == '-' else f'alone_{r["method"]}', '-')
        else:
            key = (r['method'], r['teacher'])
        groups.setdefault(key, []).append(r)
    rows = []
    for (method, teacher), rs in groups.items():
        t = teachers.get(teacher)
        rows.append(dict(method=method, teacher=teacher,
                         teacher_top1=t['metrics']['accuracy'] if t else None,
                         teacher_seconds=t['seconds'] if t else 0.0,
                         student_seconds=statistics.mean(r['seconds'] for r in rs),
                         top1=[r['metrics']['accuracy'] for r in rs]))
    order = ['alone', *[m for method in METHODS for m in
                        ((f'alone_{method}', method) if method in OTHER_STUDENTS else (method, ))]]
    return sorted(rows, key=lambda r: (order.index(r['method']), r['teacher'] != 'standard'))


def measure_steps(rows: list, out: str, iters: int, batch_size: int = 128) -> dict:
    """Median time of one training step per row, every row's steps interleaved."""
    import torch
    from mmengine import DefaultScope
    from mmengine.optim import build_optim_wrapper

    from sfkd.datasets.fashion_mnist import fashion_mnist_batch
    from sfkd.models.model_config import build_model
    from sfkd.registry import MODELS
    from sfkd.utils import register_all_modules
    from sfkd.utils.config_loading import read_config

    register_all_modules()
    steps = {}
    with DefaultScope.overwrite_default_scope('sfkd'):
        batch = fashion_mnist_batch(osp.join(ROOT, 'data', 'fashion_mnist'), batch_size)
        for row in rows:
            key = (row['method'], row['teacher'])
            if row['method'].startswith('alone'):
                alone = row['method'][len('alone_'):]
                cfg = read_config(OTHER_STUDENTS[alone] if alone else TASK.student_alone)
                model = build_model(cfg.model.to_dict())
            else:
                cfg = read_config(METHODS[row['method']])
                model_cfg = cfg.model.to_dict()
                if row['teacher'] != '-':
                    model_cfg['teacher_ckpt'] = teacher_checkpoint(
                        f'{out}/teacher_{row["teacher"]}')
                model = MODELS.build(model_cfg)
            model.train()
            steps[key] = (model, build_optim_wrapper(model, cfg.optim_wrapper.to_dict()), [])
        for i in range(iters + 2):  # the first two steps of each are warm-up
            for model, wrapper, times in steps.values():
                start = time.perf_counter()
                model.train_step(batch, wrapper)
                if i >= 2:
                    times.append(time.perf_counter() - start)
    return {key: statistics.median(times) for key, (_, _, times) in steps.items()}


def report(rows, steps, scale, out, command, timing):
    os.makedirs(out, exist_ok=True)
    kd = steps.get(('kd', 'standard'))
    with open(osp.join(out, 'steps.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['method', 'teacher', 'step_seconds', 'relative_to_kd'])
        for (method, teacher), seconds in steps.items():
            writer.writerow([method, teacher, f'{seconds:.4f}', f'{seconds / kd:.3f}'])
    cells = []
    for r in rows:
        key = (r['method'], r['teacher'])
        t_top1 = '-' if r['teacher_top1'] is None else f'{r["teacher_top1"]:.2f}'
        total = r['teacher_seconds'] + r['student_seconds']
        cost = (f'{r["teacher_seconds"]:.0f} + {r["student_seconds"]:.0f} = {total:.0f}'
                if r['teacher'] != '-' else f'{r["student_seconds"]:.0f}')
        cells.append([LABELS[r['method']], TEACHER_LABELS.get(r['teacher'], r['teacher']),
                      t_top1, mean_std(r['top1']), cost, f'{steps[key] / kd:.2f}x'])
    table = '\n'.join(markdown_table(
        ['method', 'teacher (stage 1)', 'teacher top-1 on its own test set', 'student top-1',
         'total wall time: teacher + student stage (s)', 'training step vs KD'], cells))
    train = f'{scale.train_size} training images' if scale.train_size else 'all 60k training images'
    test = f'{scale.val_size} test images' if scale.val_size else 'the 10k test images'
    methods = [r['method'] for r in rows if not r['method'].startswith('alone')
               and r['method'] != 'kd']
    title = ('SKD, LW-KD and teacher-free KD' if tuple(dict.fromkeys(methods)) == DEFAULT_METHODS[1:]
             else 'KD variants')
    lenet = (f' (the LeNet {TEACHERS["lenet"].epochs}, on 8000 synthetic digits; its top-1 is '
             'on 2000 others)') if 'lwkd' in methods else ''
    md = (f'# {title} on Fashion-MNIST ({scale.name} scale)\n\n'
          f'{train}; teachers {scale.teacher_epochs} epochs{lenet}, students '
          f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; student top-1 on {test}, '
          'mean ± std over seeds. Wall times: the teacher run plus the mean student run '
          '(training, validation and checkpoints). Step time: the median of one training '
          f'step (batch 128) relative to plain KD\'s, every method interleaved in one process '
          f'(KD: {kd * 1000:.0f} ms).\n\n'
          f'{table}\n\nCommand: `{command}`\n' + timing)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(md)
    plot(rows, osp.join(out, 'results.png'))
    return table


def plot(rows, path):
    """The student's test top-1 per method (mean, the error bar the std over seeds)."""
    names = [LABELS[r['method']].split(' (')[0] + ('' if r['teacher'] in ('-', 'standard', 'lenet')
                                                   else f'\n({r["teacher"]})') for r in rows]
    with figure(path, figsize=(7, 3.8)) as (_, ax):
        bar_chart(ax, names, [(None, [statistics.mean(r['top1']) for r in rows],
                               [std(r['top1']) for r in rows])],
                  values=[v for r in rows for v in r['top1']], ylabel='student test top-1 (%)',
                  title='Fashion-MNIST, tiny ResNet student (mean ± std over seeds)',
                  tick_fontsize=8, color='tab:blue')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', choices=sorted(SCALES), default='default')
    parser.add_argument('--friendly', nargs='*', choices=('sftn', 'soteacher'), default=[],
                        help='also KD and SKD from these student-friendly teachers')
    parser.add_argument('--methods', nargs='+', choices=sorted(METHODS),
                        default=list(DEFAULT_METHODS),
                        help='the methods beside the student alone and KD (default: '
                             f'{" ".join(DEFAULT_METHODS)})')
    parser.add_argument('--dir', help='folder of the runs (default: work_dirs/kd_variants_<scale>)')
    parser.add_argument('--out', help='report folder (default: the runs folder)')
    parser.add_argument('--step-iters', type=int, default=10,
                        help='timed training steps per method (after 2 warm-up steps)')
    args = parser.parse_args()
    run_dir = args.dir or f'work_dirs/kd_variants_{args.scale}'
    scale = SCALES[args.scale]
    logging.getLogger('mmengine').setLevel(logging.WARNING)

    results = run_with_progress(TASK, scale, run_dir,
                                runs=study_plan(scale, run_dir, tuple(args.friendly),
                                               tuple(args.methods)))
    rows = rows_of(results)
    steps = measure_steps(rows, run_dir, args.step_iters)
    out = args.out or run_dir
    os.makedirs(out, exist_ok=True)
    write_csv(TASK, results, osp.join(out, 'results.csv'))
    # paths relative to the working directory: a stored command names no machine's folders
    command = ' '.join(['python projects/kd_variants/kd_variants.py'] +
                       [osp.relpath(a) if osp.isabs(a) else a for a in sys.argv[1:]])
    table = report(rows, steps, scale, out, command, timing_text(results))
    write_provenance(out, command, scale.seeds, results, scale=scale.name,
                     methods=list(args.methods))
    print(f'\n{table}\n')


if __name__ == '__main__':
    main()

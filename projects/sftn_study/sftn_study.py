"""Why do (or don't) the student-friendly teachers help? A study next to the pipeline.

Trains variants of the SFTN teacher alongside the pipeline's teachers
(standard, SFTN, SoTeacher), distils the tiny ResNet student from each with KD
over the scale's seeds, and measures on the test set how closely each student
follows its teacher (top-1 agreement and KL(teacher || student)), and how
close each teacher came to memorising its training images (top-1 and mean
confidence there). Runs that the
pipeline already finished in the same folder are reused, so pointing ``--dir``
at the full-scale pipeline's folder only trains the variants.

Variants:
    sftn_lkl1    SFTN with the branch imitation weight l_KL = 1 (instead of 3)
    sftn_stage2  SFTN with one branch attached after stage 2 only (instead of 1 and 2)
    sftn_ft      SFTN fine-tune mode: the standard teacher plus one epoch with branches

Example::

    python projects/sftn_study/sftn_study.py --scale full --dir work_dirs/pipeline_full \\
        --out results/sftn_study

    # few images, many epochs: teachers that memorise their training images
    python projects/sftn_study/sftn_study.py --scale small-data --teachers standard sftn \\
        --variants --out results/sftn_study_small-data

Writes study.md, study.csv, study.png and provenance.json to ``--out``.
"""
import argparse
import csv
import dataclasses
import logging
import os
import os.path as osp
import sys
import time

from sfkd.apis import TeacherSpec, run_with_progress, teacher_checkpoint, timing_text
from sfkd.apis.tasks.classification import CFG, SCALES, STUDENT_ALONE, TASK, TEACHERS
from sfkd.utils.provenance import write_provenance
from sfkd.utils.report import figure, markdown_table, mean_std

SFTN = TEACHERS['sftn'].config
VARIANTS = {
    'sftn_lkl1': TeacherSpec(SFTN, ('model.branch_imitation_weight=1.0', )),
    'sftn_stage2': TeacherSpec(
        SFTN, ('model.branches.0.attach=[(backbone.layer2,backbone.layer2)]', )),
    'sftn_ft': TeacherSpec(f'{CFG}sftn/sftn-finetune_small-resnet_tiny-resnet_fashion-mnist.py',
                           epochs=1, finetune_from='standard'),
}
TEACHER_CONFIG = TEACHERS['standard'].config  # the plain teacher every export loads into
TRAIN_PROBE = 10000  # training images the teachers are measured on


def measure(results, scale, run_dir):
    """Per teacher type: accuracies and teacher-student agreement of every seed."""
    from mmengine.registry import init_default_scope

    from sfkd.apis.agreement import (agreement_metrics, evaluation_loaders, load_classifier,
                                     predict_logits)
    from sfkd.utils import register_all_modules

    register_all_modules()
    init_default_scope('sfkd')
    # the teachers also on (the first 10k of) their own training images: how close
    # they came to memorising them, and how confident their targets are there
    loader, train_loader = evaluation_loaders(
        STUDENT_ALONE, scale.val_size, min(scale.train_size or TRAIN_PROBE, TRAIN_PROBE))

    def logits(config, ckpt):
        return predict_logits(load_classifier(config, ckpt), loader)

    alone = {r['seed']: logits(STUDENT_ALONE, teacher_checkpoint(f'{run_dir}/alone_seed{r["seed"]}'))
             for r in results if r['kind'] == 'alone'}
    rows = []
    for name in scale.teachers:
        teacher = load_classifier(TEACHER_CONFIG, teacher_checkpoint(f'{run_dir}/teacher_{name}'))
        t_logits, labels = predict_logits(teacher, loader)
        fit_logits, fit_labels = predict_logits(teacher, train_loader)
        fit = dict(teacher_train_top1=100.0 * (fit_logits.argmax(1) == fit_labels).double().mean().item(),
                   teacher_train_confidence=fit_logits.softmax(1).max(1).values.mean().item())
        for r in results:
            if r['kind'] != 'distill' or r['teacher'] != name:
                continue
            s_logits, _ = logits(STUDENT_ALONE, f'{run_dir}/kd_{name}_seed{r["seed"]}/student_final.pth')
            kd = agreement_metrics(t_logits, s_logits, labels)
            ref = agreement_metrics(t_logits, alone[r['seed']][0], labels)
            rows.append(dict(teacher=name, seed=r['seed'], teacher_top1=kd['teacher_top1'],
                             student_top1=kd['student_top1'], agreement=kd['agreement'],
                             kl=kd['kl'], alone_agreement=ref['agreement'], alone_kl=ref['kl'],
                             **fit))
    return rows


def report(rows, teachers, scale, out, command, minutes, alone=(), timing=''):
    os.makedirs(out, exist_ok=True)
    train_text = (f'{scale.train_size} training images' if scale.train_size
                  else 'all 60k training images')
    probe = min(scale.train_size or TRAIN_PROBE, TRAIN_PROBE)
    with open(osp.join(out, 'study.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), restval='')
        writer.writeheader()
        writer.writerows(rows)
        # the student trained alone, one row per seed (teacher '-')
        writer.writerows(dict(teacher='-', seed=seed, student_top1=acc) for seed, acc in alone)
    cells = []
    for t in teachers:
        rs = [r for r in rows if r['teacher'] == t]
        cells.append([t, f'{rs[0]["teacher_top1"]:.2f}',
                      f'{rs[0]["teacher_train_top1"]:.2f} / {rs[0]["teacher_train_confidence"]:.3f}',
                      mean_std([r['student_top1'] for r in rs]),
                      mean_std([r['agreement'] for r in rs]), mean_std([r['kl'] for r in rs], 3),
                      mean_std([r['alone_agreement'] for r in rs])])
    if alone:
        cells.append(['(student alone)', '-', '-',
                      f'{mean_std([acc for _, acc in alone])} (no teacher)', '', '', ''])
    table = '\n'.join(markdown_table(
        ['teacher', 'teacher top-1', 'teacher top-1 / confidence on its training images',
         'KD student top-1', 'student-teacher agreement (%)', 'KL(teacher ‖ student)',
         'agreement of the student trained alone (%)'], cells))
    with open(osp.join(out, 'study.md'), 'w') as f:
        f.write(f'# SFTN study on Fashion-MNIST ({scale.name} scale)\n\n'
                f'{train_text}; teachers {scale.teacher_epochs} epochs (sftn_ft: the standard '
                f'teacher + 1 epoch), KD students {scale.student_epochs} epochs, seeds '
                f'{list(scale.seeds)}; mean ± std over seeds on the test set. Agreement: % of '
                'test images where student and teacher predict the same class. Confidence: the '
                f'mean top softmax probability on the first {probe} training images.\n\n'
                f'{table}\n\nCommand: `{command}` ({minutes:.1f} min for the runs it trained)\n'
                + timing)
    plot(rows, teachers, osp.join(out, 'study.png'))
    return table


def plot(rows, teachers, path):
    """Student accuracy against teacher accuracy and against agreement."""
    with figure(path, 2, figsize=(9, 3.8), sharey=True) as (fig, axes):
        for t in teachers:
            rs = [r for r in rows if r['teacher'] == t]
            ys = [r['student_top1'] for r in rs]
            axes[0].scatter([r['teacher_top1'] for r in rs], ys, label=t)
            axes[1].scatter([r['agreement'] for r in rs], ys, label=t)
        axes[0].set_xlabel('teacher test top-1 (%)')
        axes[1].set_xlabel('student-teacher top-1 agreement (%)')
        axes[0].set_ylabel('KD student test top-1 (%)')
        axes[1].legend(fontsize=8)
        fig.suptitle('Which teachers make good KD students? (one point per seed)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', choices=sorted(SCALES), default='default')
    parser.add_argument('--teachers', nargs='+', choices=sorted(TEACHERS), default=list(TEACHERS),
                        help="the pipeline's teacher types to compare with")
    parser.add_argument('--variants', nargs='*', choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument('--dir', help='folder of the runs (default: work_dirs/pipeline_<scale>, '
                        "shared with the pipeline's own runs)")
    parser.add_argument('--out', help='report folder (default: the runs folder)')
    args = parser.parse_args()
    run_dir = args.dir or f'work_dirs/pipeline_{args.scale}'
    base = SCALES[args.scale]
    teachers = tuple(args.teachers) + tuple(args.variants)
    scale = dataclasses.replace(base, teachers=teachers, methods=('kd', ),
                                teacher_specs={**TEACHERS, **VARIANTS})
    logging.getLogger('mmengine').setLevel(logging.WARNING)

    start = time.time()
    results = run_with_progress(TASK, scale, run_dir)
    minutes = (time.time() - start) / 60
    rows = measure(results, scale, run_dir)
    # paths relative to the working directory: a stored command names no machine's folders
    command = ' '.join(['python projects/sftn_study/sftn_study.py'] +
                       [osp.relpath(a) if osp.isabs(a) else a for a in sys.argv[1:]])
    alone = [(r['seed'], r['metrics']['accuracy']) for r in results if r['kind'] == 'alone']
    table = report(rows, teachers, scale, args.out or run_dir, command, minutes, alone,
                   timing_text(results))
    write_provenance(args.out or run_dir, command, scale.seeds, results, scale=scale.name,
                     teachers=list(teachers), study_minutes=round(minutes, 1))
    print(f'\n{table}\n')


if __name__ == '__main__':
    main()

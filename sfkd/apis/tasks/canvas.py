"""What the detection and segmentation tasks share: the Fashion-MNIST
canvases (``sfkd-prepare-data canvases``), their
scales, and a drawing of teacher and student predictions on the same test
canvases with mmdet's or mmseg's own visualiser."""
import os.path as osp
from typing import List, Mapping, Optional

from .task import Metric, Scale, Task, TeacherSpec, teacher_seed_text

TRAIN_CANVASES = 1200  # made by sfkd-prepare-data canvases


def canvas_scales(methods) -> Mapping[str, Scale]:
    both = ('standard', 'sftn')
    return {
        # the README's tables: every canvas, 12 epochs per run, 3 seeds
        'full': Scale('full', teacher_epochs=12, student_epochs=12, seeds=(0, 1, 2),
                      teachers=both, methods=tuple(methods)),
        # a shorter look: 6 epochs per run, 2 seeds
        'default': Scale('default', teacher_epochs=6, student_epochs=6, seeds=(0, 1),
                         teachers=both, methods=tuple(methods)),
        # a few seconds per run, for the tests; its numbers mean nothing
        'smoke': Scale('smoke', teacher_epochs=1, student_epochs=1, seeds=(0, ),
                       teachers=both, methods=tuple(methods)[:1], train_size=32, val_size=16),
    }


def describe(scale: Scale) -> str:
    train = (f'{scale.train_size} of the {TRAIN_CANVASES} training canvases' if scale.train_size
             else f'all {TRAIN_CANVASES} training canvases')
    val = f'{scale.val_size} validation canvases' if scale.val_size else 'the 200 validation canvases'
    return (f'64x64 canvases of 1-4 Fashion-MNIST items; {train}; teachers '
            f'{scale.teacher_epochs} epochs ({teacher_seed_text(scale)}), students '
            f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; scored on {val}, mean ± std over seeds.')


def drawer(teacher_config: str, student_config: str):
    """A ``Task.draw``: the teachers, the student alone and the students of the
    first KD method (seed 0) on the same test canvases, ``predictions.png``."""

    def draw(results: List[dict], scale: Scale, out_dir: str) -> Optional[str]:
        from sfkd.apis.pipeline import student_run_name, teacher_checkpoint, teacher_run_name
        from sfkd.apis.prediction_figure import draw_predictions

        seed, method, tseed = scale.seeds[0], scale.methods[0], scale.teacher_seeds[0]
        models = [(f'{t} teacher', teacher_config, teacher_checkpoint(
            f'{out_dir}/teacher_{teacher_run_name(scale, t, tseed)}')) for t in scale.teachers]
        models.append(('student alone', student_config,
                       teacher_checkpoint(f'{out_dir}/alone_seed{seed}')))
        models += [(f'{method.upper()} from {t}', student_config, f'{out_dir}/'
                    f'{student_run_name(scale, method, t, tseed, seed)}/student_final.pth')
                   for t in scale.teachers]
        if not all(osp.isfile(ckpt) for _, _, ckpt in models):
            return None
        path = osp.join(out_dir, 'predictions.png')
        draw_predictions(models, path, num_images=3)
        return path

    return draw


def canvas_task(name: str, title: str, student: str, metric: Metric, teachers: Mapping[str, str],
                methods: Mapping[str, str], student_alone: str, run_methods=None) -> Task:
    """A dense task on the canvases; the standard teacher's config also loads
    the exported SFTN and SoTeacher teachers (same architecture). The scales
    run ``run_methods`` (default: every method)."""
    return Task(
        name=name, title=title, student=student,
        teachers={k: TeacherSpec(v) for k, v in teachers.items()},
        methods=dict(methods), student_alone=student_alone, metrics=(metric, ),
        scales=canvas_scales(run_methods or tuple(methods)), describe=describe,
        draw=drawer(teachers['standard'], student_alone),
        out_dir=f'work_dirs/pipeline_{name}_{{scale}}')

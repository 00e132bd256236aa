"""Classification on Fashion-MNIST: the main job's task.

Teachers: a small ResNet trained alone (standard), as an SFTN teacher and
with SoTeacher's regularisers; its student, the same layout at half width,
is distilled with KD, FitNets and AT, and trained alone as the reference.

The students' loss weights (``Scale.student_weights``): ``shared`` keeps every KD
config's weights for all teachers (KD: CE 0.1, KD 0.9, tau 4); ``paper`` gives the
KD students of each friendly teacher the student stage of its paper: SFTN (Park et
al., NeurIPS 2021) CE 0.1 / KD 0.9 (the weights of the public re-implementation
kimyuji/SFTN_kd; the paper's own are unverified), SoTeacher (Dong et al., ICLR
2024) CE 0.5 / KD 0.5, both at tau 4. FitNets and AT keep their configs' weights
under either: the papers give no separate weights for them on this pair.
"""
from .task import Metric, Scale, Task, TeacherSpec, teacher_seed_text

CFG = 'sfkd::'  # sfkd's own configs, found in the installed package


def kd_weights(ce: float, kd: float) -> dict:
    """The ``student_options`` of a teacher whose KD students weigh CE and KD so."""
    return {'kd': (f'model.student_loss_weight={ce}',
                   f'model.distill_losses.loss_kd.loss_weight={kd}')}


TEACHERS = {
    'standard': TeacherSpec(f'{CFG}baseline/small-resnet_3e_fashion-mnist.py'),
    'sftn': TeacherSpec(f'{CFG}sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py',
                        student_options=kd_weights(0.1, 0.9)),
    'soteacher': TeacherSpec(f'{CFG}soteacher/soteacher_small-resnet_fashion-mnist.py',
                             student_options=kd_weights(0.5, 0.5)),
}
# the training pipeline of --augment: random crop (padding 4) and horizontal flip
AUGMENTED_DATA = f'{CFG}_base_/datasets/fashion_mnist_aug.py'
METHOD_LABELS = {'kd': 'KD', 'fitnets': 'FitNets', 'at': 'AT'}
METHODS = {
    'kd': f'{CFG}kd/kd_small-resnet_tiny-resnet_fashion-mnist.py',
    'fitnets': f'{CFG}fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py',
    'at': f'{CFG}at/at_small-resnet_tiny-resnet_fashion-mnist.py',
}
STUDENT_ALONE = f'{CFG}baseline/tiny-resnet_3e_fashion-mnist.py'
ALL_TEACHERS, ALL_METHODS = tuple(TEACHERS), tuple(METHODS)

# A quarter-epoch warm-up instead of the configs' whole first epoch: in a
# two-epoch run the full warm-up would take half of the schedule.
WARMUP_EPOCHS = 0.25
SHORT_WARMUP = (f'param_scheduler.0.end={WARMUP_EPOCHS}',
                f'param_scheduler.1.begin={WARMUP_EPOCHS}', 'param_scheduler.1.T_max=None')

SCALES = {
    # the main job: a miniature of the full scale within 15 min on 2 cores. The
    # budget goes to what the full table is about (the standard and the SFTN
    # teacher trained on all images to near their full-scale accuracy, KD
    # students over two seeds that read the teacher-output cache) rather than
    # to more KD methods or a third teacher type (--scale full has them).
    'default': Scale('default', teacher_epochs=3, student_epochs=2, seeds=(0, 1),
                     teachers=('standard', 'sftn'), methods=('kd', ), options=SHORT_WARMUP,
                     teacher_cache=True),
    'full': Scale('full', teacher_epochs=4, student_epochs=2, seeds=(0, 1, 2),
                  teachers=ALL_TEACHERS, methods=ALL_METHODS),
    # few images, many epochs: the teachers come close to memorising their
    # training images, as in long CIFAR-100 schedules (a study regime, ~1 min a run)
    'small-data': Scale('small-data', teacher_epochs=30, student_epochs=15, seeds=(0, 1, 2),
                        teachers=ALL_TEACHERS, methods=ALL_METHODS, train_size=4000),
    # a few seconds per run, for the tests; its numbers mean nothing
    'smoke': Scale('smoke', teacher_epochs=1, student_epochs=1, seeds=(0, ),
                   teachers=ALL_TEACHERS, methods=('kd', 'at'), train_size=256, val_size=256),
}


def describe(scale: Scale) -> str:
    train = f'{scale.train_size} training images' if scale.train_size else 'all 60k training images'
    test = f'{scale.val_size} test images' if scale.val_size else 'the 10k test images'
    warmup = (f'; each run warms up for {WARMUP_EPOCHS} epoch'
              if tuple(scale.options) == SHORT_WARMUP else '')
    return (f'{train}; teachers {scale.teacher_epochs} epochs '
            f'({teacher_seed_text(scale)}), students '
            f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}{warmup}; top-1 on {test}, '
            'mean ± std over seeds.')


TASK = Task(
    name='cls', title='Fashion-MNIST', student='tiny ResNet',
    teachers=TEACHERS, methods=METHODS, student_alone=STUDENT_ALONE,
    metrics=(Metric('accuracy', 'accuracy/top1', 'top-1'), ),
    scales=SCALES, describe=describe, method_labels=METHOD_LABELS,
    teacher_labels={'sftn': 'SFTN', 'soteacher': 'SoTeacher'},
    augmented_data=AUGMENTED_DATA)

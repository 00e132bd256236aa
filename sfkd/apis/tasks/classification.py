"""Classification on Fashion-MNIST: the main job's task.

Teachers: a small ResNet trained alone (standard), as an SFTN teacher and
with SoTeacher's regularisers; its student, the same layout at half width,
is distilled with KD, FitNets and AT, and trained alone as the reference.
"""
from .task import Metric, Scale, Task, TeacherSpec

CFG = 'configs'
TEACHERS = {
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
ALL_TEACHERS, ALL_METHODS = tuple(TEACHERS), tuple(METHODS)

SCALES = {
    'default': Scale('default', teacher_epochs=2, student_epochs=2, seeds=(0, 1),
                     teachers=ALL_TEACHERS, methods=ALL_METHODS, train_size=8000),
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
    return (f'{train}; teachers {scale.teacher_epochs} epochs (seed 0), students '
            f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; top-1 on {test}, '
            'mean ± std over seeds.')


TASK = Task(
    name='cls', title='Fashion-MNIST', student='tiny ResNet',
    teachers=TEACHERS, methods=METHODS, student_alone=STUDENT_ALONE,
    metrics=(Metric('accuracy', 'accuracy/top1', 'top-1'), ),
    scales=SCALES, describe=describe)

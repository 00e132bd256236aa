"""No teacher at all (teacher-free KD)."""
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from .base import TeacherSource


@MODELS.register_module()
class NoTeacher(TeacherSource):
    """A run without a teacher: every distill loss takes its records from the
    student and the data samples (e.g. ``teacher='data.gt_label'`` for
    :class:`~sfkd.models.losses.TeacherFreeKDLoss`). A route from a
    ``teacher.`` tap is refused when the Distiller is built."""

    def check(self, distiller) -> None:
        for route in distiller.all_routes():
            for i, (source, origin) in enumerate(zip(route.sources, route.origins)):
                if origin == 'teacher':
                    raise BadConfigError(
                        f'{route.where(i)}: {source!r} is a teacher tap, but model.teacher '
                        'is None (a run without a teacher); route it from the student or the '
                        "data (e.g. teacher='data.gt_label' for TeacherFreeKDLoss), or give "
                        'model.teacher')

    def cacheable(self):
        return 'the Distiller has no teacher'

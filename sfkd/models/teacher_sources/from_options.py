"""The teacher source a Distiller's teacher options describe."""
from typing import Any, Optional

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from .base import TeacherSource
from .live import LiveTeacher
from .no_teacher import NoTeacher
from .teacher_set import TeacherSet
from .transformed_inputs import TransformedInputs


def teacher_source_from(teacher: Any, teacher_ckpt: Optional[str] = None,
                        teacher_ckpt_hint: Optional[str] = None,
                        teacher_trainable: bool = False, teacher_inputs: Any = None,
                        teacher_taps: Any = None, teacher_source: Any = None,
                        teachers: Any = None) -> TeacherSource:
    """``teacher_source`` (a source or its config) if given, else the source of
    the Distiller's options: a :class:`TeacherSet` for ``teachers``,
    :class:`NoTeacher` for ``teacher=None``, a :class:`LiveTeacher`, wrapped in
    :class:`TransformedInputs` when ``teacher_inputs`` is set."""
    options = (('teacher_ckpt', teacher_ckpt), ('teacher_taps', teacher_taps),
               ('teacher_trainable', teacher_trainable), ('teacher_inputs', teacher_inputs))
    if teachers is not None:
        given = [name for name, value in (('teacher', teacher), ('teacher_source', teacher_source),
                                          ('teacher_ckpt_hint', teacher_ckpt_hint)) + options
                 if value]
        if given:
            raise BadConfigError(f'model.teachers is set, and so is model.{given[0]}; each of '
                                 'several teachers is configured in model.teachers.<name>: '
                                 f'remove model.{given[0]} (set it to None), or model.teachers')
        return TeacherSet(teachers)
    if teacher_source is not None:
        given = [name for name, value in (('teacher', teacher), ) + options
                 if value and name != 'teacher_taps']
        if given:
            raise BadConfigError(f'model.teacher_source is set, and so is model.{given[0]}; the '
                                 f'source makes the teacher records: remove model.{given[0]}, '
                                 'or model.teacher_source')
        return teacher_source if isinstance(teacher_source, TeacherSource) else \
            MODELS.build(teacher_source)
    if teacher is None:
        given = [name for name, value in options if value]
        if given:
            raise BadConfigError(f'model.teacher is None (a run without a teacher), but '
                                 f'model.{given[0]} is set; remove it, or give model.teacher')
        return NoTeacher()
    source = LiveTeacher(teacher, teacher_ckpt, teacher_ckpt_hint, teacher_trainable)
    return source if teacher_inputs is None else TransformedInputs(source, teacher_inputs)

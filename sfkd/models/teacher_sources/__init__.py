"""Teacher sources: where a Distiller gets the teacher's records for each batch.

One class per source, each a :class:`TeacherSource` registered in
``sfkd.registry.MODELS``: :class:`LiveTeacher` (the teacher runs, frozen or
trained), :class:`TransformedInputs` (it runs on inputs made from the batch,
LW-KD), :class:`NoTeacher` (teacher-free KD) and :class:`CachedTeacher`
(records read from a teacher cache).
"""
from .base import TeacherSource, WrappedSource
from .cached import CachedTeacher
from .from_options import teacher_source_from
from .live import LiveTeacher
from .no_teacher import NoTeacher
from .transformed_inputs import TransformedInputs

__all__ = ['CachedTeacher', 'LiveTeacher', 'NoTeacher', 'TeacherSource', 'TransformedInputs',
           'WrappedSource', 'teacher_source_from']

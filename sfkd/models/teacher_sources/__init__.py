"""Teacher sources: where a Distiller gets the teacher's records for each batch.

One class per source, each a :class:`TeacherSource` registered in
``sfkd.registry.MODELS``: :class:`LiveTeacher` (the teacher runs, frozen or
trained), :class:`TransformedInputs` (it runs on inputs made from the batch,
LW-KD), :class:`NoTeacher` (teacher-free KD) and :class:`CachedTeacher`
(records read from a teacher cache); :class:`TeacherSet` holds several
named teachers, each a source. :class:`InputAdapter` gives a live
teacher the batch its own data preprocessor would have made.
"""
from .base import TeacherSource, WrappedSource
from .cached import CachedTeacher
from .from_options import teacher_source_from
from .live import LiveTeacher
from .no_teacher import NoTeacher
from .renormalize import InputAdapter, teacher_input_adapter
from .teacher_set import TeacherSet
from .transformed_inputs import TransformedInputs

__all__ = ['CachedTeacher', 'InputAdapter', 'LiveTeacher', 'NoTeacher', 'TeacherSet',
           'TeacherSource', 'TransformedInputs', 'WrappedSource', 'teacher_input_adapter',
           'teacher_source_from']

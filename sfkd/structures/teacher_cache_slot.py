"""The metainfo key that carries a sample's teacher-cache slot.

:class:`~sfkd.datasets.cached_views.CachedViews` writes it into each sample it
makes; :class:`~sfkd.models.teacher_sources.CachedTeacher` reads it to find the
sample's stored teacher outputs. It lives here, below both, so that neither
imports the other.
"""
SLOT_KEY = 'teacher_cache_slot'

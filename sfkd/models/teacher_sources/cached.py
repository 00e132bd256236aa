"""Teacher records read from a teacher cache, for the samples that carry a slot."""
from typing import List, Optional

from sfkd.registry import MODELS
from sfkd.structures.teacher_cache_slot import SLOT_KEY

from .base import TeacherSource, WrappedSource


@MODELS.register_module()
class CachedTeacher(WrappedSource):
    """Reads the teacher taps' values of a batch from a
    :class:`~sfkd.engine.teacher_cache.TeacherCacheReader` when every sample
    carries a cache slot (``SLOT_KEY`` in its metainfo, written by
    :class:`~sfkd.datasets.cached_views.CachedViews`); any other batch gets
    its records from ``fallback``, which also answers everything else.
    :class:`~sfkd.engine.hooks.TeacherCacheHook` installs it for the cached
    epochs with ``Distiller.use_teacher_source``.

    Args:
        reader: Has ``read(slots, device) -> {tap name: value}``.
        fallback: The source it replaces (the live teacher).
    """

    def __init__(self, reader, fallback: TeacherSource) -> None:
        super().__init__(fallback)
        self.reader = reader

    @staticmethod
    def slots(data_samples: Optional[list]) -> Optional[List[int]]:
        """The cache slots of the batch, or ``None`` if a sample has none."""
        if not data_samples:
            return None
        slots = [sample.metainfo.get(SLOT_KEY) for sample in data_samples]
        return None if any(slot is None for slot in slots) else slots

    def records(self, taps, inputs, data_samples, losses) -> None:
        slots = self.slots(data_samples)
        if slots is None:
            self.source.records(taps, inputs, data_samples, losses)
        else:
            taps.load(self.reader.read(slots, inputs.device))

"""The teacher-output cache: storage codecs, files, key, fill and reader
(used by :class:`~sfkd.engine.hooks.TeacherCacheHook`)."""
from .codecs import CODECS, build_codec
from .key import cache_key, weights_digest
from .reader import TeacherCacheReader
from .store import CacheStore

__all__ = ['CODECS', 'CacheStore', 'TeacherCacheReader', 'build_codec', 'cache_key',
           'weights_digest']

"""Several named teachers in one Distiller (``model.teachers``), each with its own source."""
from typing import Any, Dict, Mapping

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..taps import TapSet
from .base import TeacherSource
from .live import LiveTeacher

#: The keys of one entry of ``model.teachers``.
TEACHER_KEYS = ('teacher', 'ckpt', 'ckpt_hint', 'taps', 'source')
#: Names that route other records (``student.<tap>``, ``data.<field>``).
RESERVED = ('student', 'data')


class _MemberView:
    """The Distiller as one member source sees it: its own taps as ``teacher_taps``."""

    def __init__(self, distiller, taps: TapSet) -> None:
        self._distiller, self.teacher_taps = distiller, taps

    def __getattr__(self, name: str) -> Any:
        return getattr(self._distiller, name)


@MODELS.register_module()
class TeacherSet(TeacherSource):
    """Several frozen teachers, each a source with its own taps, recorded as
    ``<name>.<tap>`` (``loss_inputs`` routes e.g. ``a.logits`` and ``b.logits``).

    Each entry of ``teachers`` is ``dict(teacher=MODEL_CFG, ckpt=PATH,
    ckpt_hint=COMMAND, taps={name: tap})`` (a :class:`LiveTeacher`: frozen,
    out of the module tree, stopped after its last tap, with its own input
    adapter), or ``dict(source=dict(type=...), taps=...)`` for any other
    source. The first teacher is the one :meth:`teacher` gives (its
    validation, ``teacher_val_step``); a teacher cache is refused.

    Args:
        teachers: ``{name: entry}``; a name is not ``student`` or ``data``.
    """

    def __init__(self, teachers: Mapping[str, dict]) -> None:
        if not teachers:
            raise BadConfigError('model.teachers is empty; give at least one teacher, e.g. '
                                 "model.teachers=dict(a=dict(teacher=..., ckpt=..., taps=...))")
        for name, entry in teachers.items():  # every name and key, before any checkpoint
            self._check_entry(name, dict(entry or {}))
        self.sources: Dict[str, TeacherSource] = {}
        self.taps: Dict[str, TapSet] = {}
        for name, entry in teachers.items():
            self.sources[name], self.taps[name] = self._member(name, dict(entry or {}))

    @staticmethod
    def _check_entry(name: str, entry: dict) -> None:
        where = f'model.teachers.{name}'
        if name in RESERVED or not str(name).isidentifier():
            raise BadConfigError(f'{where}: {name!r} cannot name a teacher (its records route as '
                                 f"'{name}.<tap>'); use another name, e.g. 'a', not "
                                 f'{" or ".join(RESERVED)}')
        unknown = sorted(set(entry) - set(TEACHER_KEYS))
        if unknown:
            raise BadConfigError(f'{where} has unknown keys {unknown}; a teacher takes '
                                 f'{list(TEACHER_KEYS)} (a trainable teacher: use model.teacher)')

    @staticmethod
    def _member(name: str, entry: dict):
        where = f'model.teachers.{name}'
        taps = TapSet(entry.get('taps'), name)
        for tap_name, tap in taps.taps.items():
            tap.where = f'{where}.taps.{tap_name}'
        source = entry.get('source')
        if source is not None:
            if entry.get('teacher') is not None or entry.get('ckpt') is not None:
                raise BadConfigError(f'{where}.source is set, and so is {where}.teacher or .ckpt; '
                                     f'the source makes the records: remove one of them')
            source = source if isinstance(source, TeacherSource) else MODELS.build(source)
            if source.trainable:
                raise BadConfigError(f'{where}.source trains its teacher; several teachers are '
                                     'frozen (a trainable teacher: use model.teacher)')
            return source, taps
        if entry.get('teacher') is None:
            raise BadConfigError(f'{where} has no teacher: set {where}.teacher to a model config '
                                 f'and {where}.ckpt to its weights, or {where}.source')
        return LiveTeacher(entry['teacher'], entry.get('ckpt'), entry.get('ckpt_hint'),
                           where=where), taps

    @property
    def first(self) -> TeacherSource:
        return next(iter(self.sources.values()))

    @property
    def input_adapter(self):
        """The first teacher's input adapter (its validation batch)."""
        return getattr(self.first, 'input_adapter', None)

    def tap_sets(self, taps: TapSet) -> Dict[str, TapSet]:
        return dict(self.taps)

    def teacher(self):
        return self.first.teacher()

    def owned_modules(self):
        owned = {}
        for source in self.sources.values():
            owned.update(source.owned_modules())
        return owned

    def frozen_modules(self):
        return [m for source in self.sources.values() for m in source.frozen_modules()]

    def check(self, distiller) -> None:
        for name, source in self.sources.items():
            source.check(_MemberView(distiller, self.taps[name]))

    def dry_run(self, taps, input_shape) -> Dict[str, Any]:
        records = {}
        for name, source in self.sources.items():
            for key, value in source.dry_run(self.taps[name], input_shape).items():
                records[f'{name}.{key.split(".", 1)[1]}'] = value
        return records

    def records(self, taps, inputs, data_samples, losses) -> None:
        for name, source in self.sources.items():
            source.records(self.taps[name], inputs, data_samples, losses)

    def cacheable(self):
        return f'the Distiller has several teachers ({", ".join(self.sources)})'

"""The interface of a teacher source: where a Distiller gets the teacher's records."""
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn

from ..taps import TapSet


class TeacherSource:
    """Fills a :class:`~sfkd.models.algorithms.Distiller`'s teacher taps for each batch.

    The Distiller holds one source (``model.teacher_source``) and knows nothing
    else about its teacher: whether one runs, on which inputs, whether it
    trains, or whether its outputs are read from disk. A new source is a
    subclass registered in ``sfkd.registry.MODELS`` and named in config,
    ``model.teacher_source=dict(type='MySource', ...)``; no existing class
    changes. The Distiller calls:

    - :meth:`check` once, when it is built (before its dry run);
    - :meth:`dry_run` once, to record the teacher taps on zeros (shapes for
      the connectors and the loss checks);
    - :meth:`records` at every training step, to fill the teacher taps
      (adding the teacher's own losses to ``losses`` if it trains);
    - :meth:`cacheable` when a teacher cache is asked for;
    - :meth:`teacher`, :meth:`owned_modules` and :meth:`frozen_modules` for
      the models behind it (validation, device moves, checkpoints).

    The base class is a source with no teacher and no records.
    """

    #: Whether the teacher is trained with the student (its losses get ``teacher.``).
    trainable = False

    def teacher(self) -> Optional[nn.Module]:
        """The teacher model (validated beside the student), or ``None``."""
        return None

    def owned_modules(self) -> Dict[str, nn.Module]:
        """``{attribute: module}`` the Distiller holds as its own submodules: they
        are trained, moved and saved with it (a trainable teacher as ``teacher``,
        an inputs transform as ``teacher_inputs``)."""
        return {}

    def frozen_modules(self) -> List[nn.Module]:
        """Modules kept out of the Distiller's module tree (no optimiser, no
        checkpoint, no DDP); the Distiller moves them with itself and keeps them
        in eval mode."""
        return []

    def tap_sets(self, taps: TapSet) -> Dict[str, TapSet]:
        """``{record owner: tap set}`` this source fills; records route as
        ``<owner>.<tap>``: the Distiller's ``teacher_taps`` as ``teacher``
        (several teachers: :class:`~sfkd.models.teacher_sources.TeacherSet`)."""
        return {'teacher': taps}

    def check(self, distiller) -> None:
        """Refuse, with a :class:`~sfkd.utils.errors.BadConfigError`, what this
        source cannot serve in ``distiller`` (its taps, routes, student)."""

    def dry_run(self, taps: TapSet, input_shape: Sequence[int]) -> Dict[str, Any]:
        """``{'teacher.<tap>': value}`` of a build-time pass on zeros of ``input_shape``."""
        return {}

    def records(self, taps: TapSet, inputs: torch.Tensor, data_samples: Optional[list],
                losses: Dict[str, Any]) -> None:
        """Fill every tap of ``taps`` for this batch (``taps.recording`` around a
        forward pass, or ``taps.load`` of known values); a trained teacher adds
        its ``teacher.`` losses to ``losses``."""

    def cacheable(self) -> Optional[str]:
        """``None`` if the records of a sample are the same at every step (a
        teacher cache may store them), else why not, as the end of the sentence
        ``teacher_cache cannot be used: ...``."""
        return None


class WrappedSource(TeacherSource):
    """A source that changes one thing about another (``source``) and passes the rest on."""

    def __init__(self, source: TeacherSource) -> None:
        self.source = source

    @property
    def trainable(self) -> bool:
        return self.source.trainable

    def teacher(self):
        return self.source.teacher()

    def owned_modules(self):
        return self.source.owned_modules()

    def frozen_modules(self):
        return self.source.frozen_modules()

    def tap_sets(self, taps):
        return self.source.tap_sets(taps)

    def check(self, distiller):
        self.source.check(distiller)

    def dry_run(self, taps, input_shape):
        return self.source.dry_run(taps, input_shape)

    def records(self, taps, inputs, data_samples, losses):
        self.source.records(taps, inputs, data_samples, losses)

    def cacheable(self):
        return self.source.cacheable()

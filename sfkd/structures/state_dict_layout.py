"""How a wrapper model lays out its state dict, and the layouts declared so far.

A wrapper model (a :class:`~sfkd.models.algorithms.Distiller`, a stage-1
:class:`~sfkd.models.algorithms.TeacherAlgorithm`) keeps each of its parts
under a prefix of its own: ``student.*``, ``teacher.*``, ``connectors.*``...
Its checkpoints therefore do not load into the plain model that the run
trains. The checkpoint reader (:mod:`sfkd.utils.checkpoint_io`) recognises
such a checkpoint by its layout and says which file or command gives the
plain model instead.

Each wrapper class declares its layout as its ``state_dict_layout`` attribute
and registers it here when its module is imported, so the reader, which sits
below the models, finds every layout without importing a model.
"""
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

#: ``explain(state, model, path, name)``: a layout's own diagnosis of a checkpoint at
#: ``path`` that does not load into ``model`` (named ``name`` in messages), as the rest
#: of a sentence that starts with the checkpoint's name; None to leave it to the reader
Explain = Callable[[Dict[str, Any], Any, str, str], Optional[str]]


@dataclass(frozen=True)
class StateDictLayout:
    """The state-dict layout of one wrapper model.

    Args:
        name: The wrapper's kind, as errors name it (``'Distiller'``).
        title: The checkpoint, as a hint names it, with its article
            (``'a Distiller'``, ``'an SFTN/SoTeacher'``).
        product: The plain model the wrapper trains: its keys are
            ``<product>.*`` and the run exports it as ``<product>_final.pth``.
        parts: Every prefix the wrapper's state dict holds, ``product``'s
            included.
        explain: An optional diagnosis of a checkpoint of this layout that
            does not fit a model (see :data:`Explain`), tried before the
            generic hint.
    """

    name: str
    title: str
    product: str
    parts: Tuple[str, ...]
    explain: Optional[Explain] = None

    @property
    def prefix(self) -> str:
        """The prefix of the product's keys: ``'<product>.'``."""
        return f'{self.product}.'

    def holds(self, keys: Iterable[str]) -> bool:
        """Whether ``keys`` are a state dict of this layout: some under :attr:`prefix`,
        none outside :attr:`parts`."""
        keys = list(keys)
        return any(k.startswith(self.prefix) for k in keys) and \
            all(k.startswith(self.parts) for k in keys)


_LAYOUTS: Dict[str, StateDictLayout] = {}


def register_state_dict_layout(layout: StateDictLayout) -> StateDictLayout:
    """Make ``layout`` known to the checkpoint reader (again under the same name replaces
    it, so re-importing a model module is harmless); returns it."""
    _LAYOUTS[layout.name] = layout
    return layout


def state_dict_layouts() -> List[StateDictLayout]:
    """The layouts registered so far, in the order they were first registered."""
    return list(_LAYOUTS.values())

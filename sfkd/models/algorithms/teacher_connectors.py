"""Give the connectors that run the teacher's modules the Distiller's teacher."""
from typing import Any, Dict, Optional

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError


def connector_class(cfg: Any) -> Optional[type]:
    """The class a connector config names, or ``None`` (left to the build to explain)."""
    kind = cfg.get('type') if isinstance(cfg, dict) else None
    if isinstance(kind, type):
        return kind
    try:
        return MODELS.get(kind) if isinstance(kind, str) else None
    except Exception:  # noqa: BLE001 - an unknown scope: the connector build explains it
        return None


def bind_teacher(distiller, connector_cfgs: Dict[str, Any]) -> Dict[str, Any]:
    """``connector_cfgs`` with ``teacher=`` the Distiller's teacher (the first of several)
    added to those whose class runs the teacher's modules (``runs_teacher_modules``,
    e.g. :class:`~sfkd.models.connectors.TeacherPathConnector`)."""
    bound = {}
    for name, cfg in connector_cfgs.items():
        cls = connector_class(cfg)
        if cls is not None and getattr(cls, 'runs_teacher_modules', False):
            if 'teacher' in cfg:
                raise BadConfigError(f'connectors.{name}.teacher is set by the Distiller (its '
                                     'teacher model); drop the option')
            teacher = distiller.get_teacher()
            if teacher is None:
                raise BadConfigError(
                    f'connectors.{name} ({cls.__name__}) runs modules of the teacher, but this '
                    'Distiller has no teacher model; set model.teacher or drop the connector')
            cfg = dict(cfg, teacher=teacher)
        bound[name] = cfg
    return bound

"""Route recorded values (through optional connectors) into distill-loss arguments.

``loss_inputs`` maps each distill loss to its arguments::

    loss_inputs = dict(
        loss_kd=dict(student='student.logits', teacher='teacher.logits'),
        loss_hint=dict(student=('student.feat', 'hint'),     # through connector 'hint'
                       teacher='teacher.feat'),
        loss_dkd=dict(student='student.logits', teacher='teacher.logits',
                      target='data.gt_label'))                # a field of the data samples

A source is ``student.<tap>``, ``teacher.<tap>`` or ``data.<field>`` (with
several teachers, ``<teacher name>.<tap>``: the Distiller's build checks
that the name is declared); a tuple adds the name of a connector applied to
the value.

A list of sources gives the loss a list of the records, in that order (several
stages of one model, say); a connector named beside the list receives the whole
list and must be one that takes a sequence (such as
:class:`~sfkd.models.connectors.ABFConnector`)::

    loss_inputs = dict(
        loss_hcl=dict(student=(['student.s1', 'student.s2', 'student.s3'], 'review'),
                      teacher=['teacher.s1', 'teacher.s2', 'teacher.s3']))

Sources always contain a dot and connector names never do (a module name cannot),
so ``('student.feat', 'hint')`` is one source through a connector and
``['student.s1', 'student.s2']`` a list of two sources.
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch

from sfkd.utils.errors import BadConfigError

Source = Union[str, Sequence[str], Tuple[Union[str, Sequence[str]], str]]


SPEC_FORMS = ("'student.feat', ('student.feat', 'connector_name'), a list of sources "
              "['student.s1', 'student.s2'] or (['student.s1', 'student.s2'], 'connector_name')")


def is_source(value: Any) -> bool:
    """Whether ``value`` reads as a source (``<origin>.<name>``), not a connector name."""
    return isinstance(value, str) and '.' in value


class Route:
    """One argument of one loss: where its value comes from, and through what.

    ``sources`` holds the source of a single route, or every source of a list
    (``sequence`` is then true, and the value is the list of their records).
    ``source`` is the one source of a single route; for a list it is the list
    as written (for messages).
    """

    def __init__(self, loss: str, arg: str, spec: Source) -> None:
        where = f'loss_inputs.{loss}.{arg}'
        connector = None
        if isinstance(spec, (tuple, list)) and len(spec) == 2 and not is_source(spec[1]):
            spec, connector = spec
            if not isinstance(connector, str) or not connector.isidentifier():
                raise BadConfigError(f'{where}: connector name must be a name such as '
                                     f"'hint', got {connector!r}")
        if isinstance(spec, str):
            sources, sequence = (spec, ), False
        elif isinstance(spec, (tuple, list)) and spec and all(isinstance(s, str) for s in spec):
            sources, sequence = tuple(spec), True
        else:
            empty = ' (an empty list of sources)' if isinstance(spec, (tuple, list)) \
                and not spec else ''
            raise BadConfigError(f'{where}: expected a source such as {SPEC_FORMS}, '
                                 f'got {spec!r}{empty}')
        for i, source in enumerate(sources):
            if not is_source(source) or not source.split('.', 1)[0].isidentifier():
                at = f'[{i}]' if sequence else ''
                raise BadConfigError(f'{where}{at}: source {source!r} must start with '
                                     "'student.', 'teacher.' or 'data.'")
        self.loss, self.arg, self.connector = loss, arg, connector
        self.sources, self.sequence = sources, sequence
        self.source = repr(list(sources)) if sequence else sources[0]

    @property
    def origin(self) -> Optional[str]:
        """The model (or ``data``) that every source comes from; ``None`` for a list
        of sources from several."""
        origins = set(self.origins)
        return origins.pop() if len(origins) == 1 else None

    @property
    def origins(self) -> Tuple[str, ...]:
        """The origin of each source, in order."""
        return tuple(s.split('.', 1)[0] for s in self.sources)

    def where(self, i: int = 0) -> str:
        """How messages name source ``i``: ``loss_inputs.<loss>.<arg>`` (``[i]`` for a list)."""
        return f'loss_inputs.{self.loss}.{self.arg}' + (f'[{i}]' if self.sequence else '')

    def recorded(self, records: Mapping[str, Any]) -> Any:
        """The record of a single route's source, or the list of a list's records
        (taps only; ``data.`` sources are gathered by :func:`route_values`)."""
        values = [records[s] for s in self.sources]
        return values if self.sequence else values[0]


def parse_routes(loss_inputs: Mapping[str, Mapping[str, Source]],
                 loss_args: Mapping[str, Sequence[str]]) -> Dict[str, List[Route]]:
    """Check ``loss_inputs`` against the losses' accepted argument names.

    Args:
        loss_inputs: ``{loss name: {argument: source}}`` from config.
        loss_args: ``{loss name: names its forward accepts}``.
    """
    unknown = sorted(set(loss_inputs) - set(loss_args))
    if unknown:
        raise BadConfigError(f'loss_inputs has entries {unknown} for losses that are not in '
                             f'distill_losses {sorted(loss_args)}')
    routes = {}
    for loss, accepted in loss_args.items():
        mapping = loss_inputs.get(loss)
        if not mapping:
            raise BadConfigError(f'distill loss {loss!r} has no entry in loss_inputs; add e.g. '
                                 f"loss_inputs=dict({loss}=dict(student='student.<tap>', "
                                 "teacher='teacher.<tap>'))")
        bad = sorted(set(mapping) - set(accepted))
        if bad:
            raise BadConfigError(f'loss_inputs.{loss} maps onto {bad}, which the loss does not '
                                 f'accept; its arguments are {sorted(accepted)}')
        for required in ('student', 'teacher'):
            if required not in mapping:
                raise BadConfigError(f'loss_inputs.{loss} must map {required!r}')
        routes[loss] = [Route(loss, arg, spec) for arg, spec in mapping.items()]
    return routes


def route_values(routes: Sequence[Route], records: Mapping[str, Any],
                 data_samples: Optional[Sequence[Any]], batch_size: int,
                 connectors: Mapping[str, Any], student: Any) -> Dict[str, Any]:
    """``{argument: value}`` of one loss's ``routes``: the recorded value (or the
    data field, on the student's device), or the list of them for a list of
    sources, through its connector if it names one."""
    kwargs = {}
    for route in routes:
        values = []
        for source in route.sources:
            if source.split('.', 1)[0] == 'data':
                value = gather_data_field(data_samples, source.split('.', 1)[1], batch_size)
                values.append(value.to(next(student.parameters()).device))
            else:
                values.append(records[source])
        value = values if route.sequence else values[0]
        if route.connector is not None:
            value = connectors[route.connector](value)
        kwargs[route.arg] = value
    return kwargs


def gather_data_field(data_samples: Optional[Sequence[Any]], field: str,
                      batch_size: int) -> torch.Tensor:
    """Stack ``field`` of every data sample into one tensor (N, ...).

    With no data samples (the build-time dry run) a zero index tensor of
    length ``batch_size`` stands in.
    """
    if data_samples is None:
        return torch.zeros(batch_size, dtype=torch.long)
    values = []
    for sample in data_samples:
        value = sample.get(field, None) if hasattr(sample, 'get') else getattr(sample, field, None)
        if value is None:
            raise BadConfigError(f"data.{field}: the data samples have no field {field!r}; "
                                 f'available: {sorted(sample.keys()) if hasattr(sample, "keys") else "?"}')
        values.append(value if isinstance(value, torch.Tensor) else torch.as_tensor(value))
    if all(v.dim() == 1 and v.numel() == 1 for v in values):
        return torch.cat(values)
    return torch.stack(values)

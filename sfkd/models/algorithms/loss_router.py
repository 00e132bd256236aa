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
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch

from sfkd.utils.errors import BadConfigError

Source = Union[str, Tuple[str, str], List[str]]


class Route:
    """One argument of one loss: where its value comes from, and through what."""

    def __init__(self, loss: str, arg: str, spec: Source) -> None:
        if isinstance(spec, str):
            source, connector = spec, None
        elif isinstance(spec, (tuple, list)) and len(spec) == 2:
            source, connector = spec
        else:
            raise BadConfigError(f'loss_inputs.{loss}.{arg}: expected a source such as '
                                 f"'student.feat' or ('student.feat', 'connector_name'), got {spec!r}")
        if not isinstance(source, str) or not source.split('.', 1)[0].isidentifier() \
                or '.' not in source:
            raise BadConfigError(f'loss_inputs.{loss}.{arg}: source {source!r} must start with '
                                 "'student.', 'teacher.' or 'data.'")
        self.loss, self.arg, self.source, self.connector = loss, arg, source, connector

    @property
    def origin(self) -> str:
        return self.source.split('.', 1)[0]


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
    data field, on the student's device), through its connector if it names one."""
    kwargs = {}
    for route in routes:
        if route.origin == 'data':
            value = gather_data_field(data_samples, route.source.split('.', 1)[1], batch_size)
            value = value.to(next(student.parameters()).device)
        else:
            value = records[route.source]
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

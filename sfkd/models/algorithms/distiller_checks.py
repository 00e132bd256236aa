"""The build-time checks of a Distiller, and the messages that explain what fails.

Each function takes the Distiller being built. Everything is checked before
any training step: tap paths (with the closest valid paths in the error),
connector names, the teacher source (:meth:`TeacherSource.check`), and the
shapes reaching each loss, by a dry forward pass on zeros of
``model.input_shape``, which also sizes the connectors whose channels are
not given.
"""
import copy
from typing import Any, Dict, Optional

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..losses.base import DistillLoss
from ..model_config import check_type
from ..taps import dry_run
from .loss_check import describe, has_sequence, sequence_error
from .loss_router import Route
from .teacher_connectors import bind_teacher

STRUCTURED = (tuple, list, dict)  # records of modules with several outputs


def check_algorithm(distiller, name: str, loss: DistillLoss) -> None:
    """Refuse a loss whose training step is another algorithm's."""
    needed = loss.algorithm
    if needed and needed not in {cls.__name__ for cls in type(distiller).__mro__}:
        usage = getattr(MODELS.get(needed), 'usage', '')
        raise BadConfigError(
            f'distill loss {name!r} ({type(loss).__name__}) is trained by {needed}, '
            f'not by {type(distiller).__name__}: set model.type={needed!r}'
            + (f' {usage}' if usage else ''))


def check_and_size(distiller, connector_cfgs: Dict[str, dict]) -> None:
    """Check the taps, routes and connectors, build the connectors (sized by a
    dry run; those that run the teacher's modules get the teacher first,
    :func:`~.teacher_connectors.bind_teacher`), then run every loss once on the
    dry-run records."""
    connector_cfgs = bind_teacher(distiller, connector_cfgs)
    distiller.teacher_source.check(distiller)
    distiller.student_taps.check(distiller.student)
    routes = distiller.all_routes()
    taps = {f'{owner}.{n}' for owner, tap_set in distiller.tap_sets.items() for n in tap_set.taps}
    for route in routes:
        for i, (source, origin) in enumerate(zip(route.sources, route.origins)):
            if origin != 'data' and source not in taps:
                raise BadConfigError(
                    f'{route.where(i)}: {source!r} is not a declared tap; declared: '
                    f'{sorted(taps)} ({declare_hint(distiller, origin)})')
        if route.connector is not None and route.connector not in connector_cfgs:
            raise BadConfigError(
                f'loss_inputs.{route.loss}.{route.arg}: connector {route.connector!r} is not '
                f'in connectors {sorted(connector_cfgs)}')
    records = dry_run(distiller.student, distiller.student_taps, distiller.input_shape)
    records.update(distiller.teacher_source.dry_run(distiller.teacher_taps,
                                                    distiller.input_shape))
    for route in routes:
        if route.connector is not None and route.connector not in distiller.connectors:
            distiller.connectors[route.connector] = build_connector(
                distiller, route, connector_cfgs[route.connector], records)
    for route in routes:
        trained = route.connector is not None and any(
            p.requires_grad for p in distiller.connectors[route.connector].parameters())
        if route.arg == 'teacher' and trained and \
                getattr(distiller.distill_losses[route.loss], 'detach_teacher', False):
            raise BadConfigError(
                f'loss_inputs.{route.loss}.teacher goes through the trainable connector '
                f'{route.connector!r}, but distill loss {route.loss!r} detaches its teacher '
                'input, so the connector would never learn; set '
                f'distill_losses.{route.loss}.detach_teacher=False')
    check_losses(distiller, records)


def taps_key(owner: str) -> str:
    """The config key of ``owner``'s taps: ``student_taps``, ``teacher_taps`` or,
    for one of several teachers, ``teachers.<name>.taps``."""
    return f'{owner}_taps' if owner in ('student', 'teacher') else f'teachers.{owner}.taps'


def declare_hint(distiller, origin: str) -> str:
    """How to declare a tap of ``origin``, or which origins there are."""
    if origin in distiller.tap_sets:
        return f'add it to {taps_key(origin)}'
    names = ', '.join(f"'{owner}.'" for owner in distiller.tap_sets)
    return f'{origin!r} is not a model here: route from {names} or \'data.\''


def partner(distiller, route: Route) -> Optional[Route]:
    """The route of the same loss on the other side (student <-> teacher)."""
    other = {'student': 'teacher', 'teacher': 'student'}.get(route.arg)
    return next((r for r in distiller.routes[route.loss] if r.arg == other), None)


def build_connector(distiller, route: Route, cfg: dict, records: Dict[str, Any]) -> nn.Module:
    """Build a connector, with the channels its class ``sizes`` from the records."""
    cfg = dict(cfg)
    check_type(cfg, f'connectors.{route.connector}')
    cls = MODELS.get(cfg['type'])
    other = partner(distiller, route)
    check_sequence_connector(distiller, route, cls, records)
    if route.sequence:
        src = route.recorded(records)
    elif isinstance(records[route.source], STRUCTURED):
        raise BadConfigError(
            element_hint(distiller, route, records, f'connector {route.connector!r}'))
    if route.sequence and hasattr(cls, 'sizes') and other is not None \
            and 'data' not in other.origins:
        try:  # a connector that takes a sequence sizes itself from every element
            sizes = cls.sizes([tuple(v.shape) for v in src],
                              shapes_of(other.recorded(records)))
        except ValueError as err:
            raise BadConfigError(f'connectors.{route.connector} ({cfg["type"]}): '
                                 f'{str(err).splitlines()[0]}') from None
        for key, value in sizes.items():
            cfg.setdefault(key, value)
    elif hasattr(cls, 'sizes') and other is not None and other.origin not in ('data', None) \
            and not other.sequence:
        src, dst = records[route.source], records[other.source]
        if has_sequence(dict(src=src, dst=dst)):
            raise BadConfigError(
                f'connectors.{route.connector} ({cfg["type"]}) adapts one map, but '
                f'loss_inputs.{route.loss} routes multi-level outputs into it: '
                f'{route.source} {describe(src)}, {other.source} {describe(dst)}; tap one '
                "level per loss, e.g. dict(type='ModuleOutputTap', source='neck', index=0)")
        try:
            sizes = cls.sizes(tuple(src.shape), tuple(dst.shape))
        except BadConfigError as err:  # named here: the class does not know its key
            raise BadConfigError(f'connectors.{route.connector}: {err}') from None
        for key, value in sizes.items():
            cfg.setdefault(key, value)
    try:
        return MODELS.build(cfg)
    except (TypeError, BadConfigError) as err:
        raise BadConfigError(f'connectors.{route.connector}: {err}') from None


def shapes_of(value: Any) -> Any:
    """The shape of a tensor, or the list of the shapes of a list of tensors."""
    if isinstance(value, (list, tuple)):
        return [tuple(v.shape) if isinstance(v, torch.Tensor) else v for v in value]
    return tuple(value.shape) if isinstance(value, torch.Tensor) else value


def check_sequence_connector(distiller, route: Route, cls: type,
                             records: Dict[str, Any]) -> None:
    """A list of sources goes into a connector that takes a sequence, of tensors only;
    one source goes into a connector that adapts one map."""
    takes = getattr(cls, 'takes_sequence', False)
    name = f'connectors.{route.connector} ({cls.__name__})'
    if route.sequence and not takes:
        raise BadConfigError(
            f'{name} adapts one map, but loss_inputs.{route.loss}.{route.arg} routes a list of '
            f'{len(route.sources)} sources into it: route one source through it, or use a '
            "connector that takes a list, e.g. dict(type='ABFConnector')")
    if takes and not route.sequence:
        raise BadConfigError(
            f'{name} takes a list of records, but loss_inputs.{route.loss}.{route.arg} '
            f'routes the single source {route.source!r} into it: route a list, e.g. '
            f"(['student.s1', 'student.s2'], {route.connector!r})")
    if route.sequence:
        for i, source in enumerate(route.sources):
            if source.startswith('data.'):
                raise BadConfigError(f'{route.where(i)}: {source!r} is a data field, which '
                                     f'{name} cannot take; route it to the loss directly')
            value = records[source]
            if not isinstance(value, torch.Tensor):
                owner, tap_name = source.split('.', 1)
                tap = distiller.tap_sets[owner].taps[tap_name]
                element = f'[{next(iter(value))!r}]' if isinstance(value, dict) else '[0]'
                raise BadConfigError(
                    f'{route.where(i)}: {source!r} records a {type(value).__name__}, but '
                    f'{name} takes one tensor per source; pick one element in the tap, e.g. '
                    f'{taps_key(owner)}.{tap_name}="{tap.source}{element}"')


def check_losses(distiller, records: Dict[str, Any]) -> None:
    """Run every loss once on the dry-run records; explain shape errors."""
    for name, loss in distiller.distill_losses.items():
        state = copy.deepcopy(loss.state_dict())  # memory banks must not change
        routes = distiller.routes[name]
        try:
            with torch.no_grad():
                loss(**distiller.loss_kwargs(name, records, None, batch_size=2))
        except Exception as err:  # noqa: BLE001 - explained below, or re-raised
            whole = [r for r in routes if r.origin != 'data' and r.connector is None
                     and not r.sequence and isinstance(records[r.source], STRUCTURED)
                     and records[r.source]]
            if whole:
                raise BadConfigError(element_hint(
                    distiller, whole[0], records, f'distill loss {name!r} ({type(loss).__name__})',
                    str(err).splitlines()[0] if str(err) else type(err).__name__)) from None
            if not isinstance(err, (ValueError, RuntimeError, IndexError, TypeError,
                                    AttributeError)):
                raise
            shapes = {r.arg: describe_route(r, records) for r in routes}
            listed = next((r for r in routes if r.sequence), None)
            if listed is not None:
                raise BadConfigError(
                    f'distill loss {name!r} ({type(loss).__name__}) cannot take its inputs '
                    f'{shapes}: {str(err).splitlines()[0] if str(err) else type(err).__name__}'
                    f'. loss_inputs.{name}.{listed.arg} routes a list, which reaches the loss '
                    'as a list: use a loss that takes one record per level on both sides '
                    "(e.g. HCLLoss), fusing the student's list to the teacher's shapes with "
                    "connectors=dict(review=dict(type='ABFConnector'))") from None
            raw = {r.arg: records[r.source] for r in routes if r.origin != 'data'}
            if has_sequence(raw):
                raise sequence_error(
                    f'distill loss {name!r}', loss, shapes, err,
                    "dict(type='ModuleOutputTap', source='neck', index=0)") from None
            if isinstance(err, (TypeError, AttributeError)):
                raise
            raise BadConfigError(
                f'distill loss {name!r} ({type(loss).__name__}) cannot take its inputs '
                f'{shapes}: {str(err).splitlines()[0]}. Add a connector to adapt the '
                f"student, e.g. connectors=dict(adapt=dict(type='ConvBNConnector')) and "
                f"loss_inputs.{name}.student=('<source>', 'adapt')") from None
        finally:
            loss.load_state_dict(state)


def element_hint(distiller, route: Route, records: Dict[str, Any], consumer: str,
                 error: str = '') -> str:
    """Explain a tuple/dict record that reached a consumer needing one tensor."""
    value = records[route.source]
    owner, tap_name = route.source.split('.', 1)
    tap = distiller.tap_sets[owner].taps[tap_name]
    if isinstance(value, dict):
        kind, element = f'dict with keys {sorted(value)}', f"[{next(iter(value))!r}]"
        option = f'key={next(iter(value))!r}'
    else:
        kind, element, option = f'{type(value).__name__} of {len(value)}', '[0]', 'index=0'
    why = f' ({error})' if error else ''
    levels = ''
    if consumer.startswith('distill loss') and isinstance(value, (list, tuple)) and \
            len(value) > 1:  # several levels, e.g. an FPN's: a loss can take them all
        levels = (f", or give the loss every level: dict(type='PerLevelLoss', "
                  f"loss=dict(type='{consumer.split('(')[1].split(')')[0]}', ...))")
    return (f'loss_inputs.{route.loss}.{route.arg}: {route.source!r} records the whole '
            f'output of {tap.source}, a {kind}, which {consumer} cannot take{why}; pick '
            f'one element in the tap: {taps_key(owner)}.{tap_name}="{tap.source}{element}" or '
            f"dict(type='{type(tap).__name__}', source='{tap.source}', {option}){levels}")


def describe_route(route: Route, records: Dict[str, Any]) -> str:
    """What reaches a loss argument: the data field, or the tap's shape (and connector)."""
    via = f' via {route.connector}' if route.connector else ''
    if route.sequence:
        parts = [s if s.startswith('data.') else f'{s} {describe(records[s])}'
                 for s in route.sources]
        return f'[{", ".join(parts)}]{via}'
    if route.origin == 'data':
        return route.source
    return f'{route.source} {describe(records[route.source])}{via}'

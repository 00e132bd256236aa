"""Stage 2: distil a frozen teacher into a student with any set of distill losses."""
import copy
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from sfkd.datasets.cached_views import SLOT_KEY
from sfkd.engine.checkpoint_io import load_weights
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..initializers import build_initializer
from ..losses.base import DistillLoss
from ..model_config import build_model, check_type
from ..taps import TapsComplete, TapSet, check_input_shape, dry_run
from .loss_check import describe, has_sequence, sequence_error
from .loss_router import Route, gather_data_field, parse_routes
from .prefix import prefix_losses

ConfigType = Union[dict, nn.Module]
STRUCTURED = (tuple, list, dict)  # records of modules with several outputs


@MODELS.register_module()
class Distiller(BaseModel):
    """Distils a teacher into a student; nothing in it assumes a task.

    The student and the teacher are any MMEngine ``BaseModel`` built from
    config (an mmpretrain classifier, an mmdet detector, an mmseg segmentor or
    an sfkd model) that supports the ``loss``, ``predict`` and ``tensor``
    modes. Taps record values by dotted module path during both forward
    passes; ``loss_inputs`` routes them, through optional connectors, into the
    distill losses. Every logged loss is prefixed ``student.``, ``distill.``
    or (for a trainable teacher) ``teacher.``.

    A frozen teacher is kept out of the module tree: it is not in the
    optimiser, not in checkpoints, never wrapped by DDP, and stays in eval
    mode (BatchNorm included) with no gradient. Its forward pass stops as soon
    as every teacher tap has recorded (the rest of it would feed nothing, e.g.
    a detector's head behind tapped FPN levels), when the build-time dry run
    shows that this changes no recorded value: each teacher tap records once
    per pass and no later in-place operation alters what it recorded.

    ``teacher=None`` makes a run without a teacher (teacher-free KD): every
    loss then takes its records from the student and the data samples, and a
    route from a ``teacher.`` tap is refused when the model is built.

    ``teacher_inputs`` replaces what the teacher sees: a module called as
    ``teacher_inputs(inputs, data_samples)`` that returns the teacher's
    inputs, e.g. :class:`~sfkd.models.teacher_inputs.ClassConditionalInputs`
    (LW-KD: the teacher sees synthetic images of each sample's class).

    A distill loss whose ``algorithm`` names a subclass (e.g.
    :class:`~sfkd.models.losses.AdversarialKDLoss`, trained by
    :class:`~sfkd.models.algorithms.AdversarialDistiller`) is refused by any
    other distiller type when the model is built.

    Everything is checked when the model is built: tap paths (with the closest
    valid paths in the error), loss argument names, connector names, and the
    shapes reaching each loss, by a dry forward pass on zeros of
    ``input_shape``. That pass also sizes connectors whose channels are not
    given.

    Args:
        student: Student model config; ``dict(cfg_path=...)`` takes the
            ``model`` of another config file.
        teacher: Teacher model config; ``cfg_path`` as for the student.
            ``None``: no teacher (the losses need none).
        teacher_ckpt: Teacher weights; required unless ``teacher_trainable``.
        teacher_ckpt_hint: The command that writes ``teacher_ckpt``; the error
            for a missing file names it.
        student_ckpt: Optional pretrained student weights loaded before training
            (strictly: the whole student).
        student_init: Initialise the student from another model's parameters,
            matched by name: the config of a loader,
            :class:`~sfkd.models.initializers.MappedCheckpointLoader` unless
            it gives another ``type``: ``dict(checkpoint=PATH, key_map=
            {old_prefix: new_prefix}, strict=True, required=True,
            made_by=COMMAND)``, e.g. the branch student of a FriendlyTeacher
            run; ``{teacher_dir}`` in ``checkpoint`` is the folder of
            ``teacher_ckpt``. Its report is kept as ``student_init_report``.
        student_taps: ``{name: tap config or module path}`` on the student.
        teacher_taps: ``{name: tap config or module path}`` on the teacher.
        connectors: ``{name: connector config}``.
        distill_losses: ``{name: loss config}``; each a :class:`DistillLoss`.
        loss_inputs: ``{loss name: {argument: source}}``; see ``loss_router``.
        input_shape: Shape of one input sample for the dry run, e.g. ``(1, 28, 28)``.
        student_loss_weight: Weight of the student's own task losses.
        teacher_trainable: Train the teacher too (its losses get ``teacher.``).
        teacher_inputs: Optional module config that makes the teacher's inputs
            from ``(inputs, data_samples)``; by default the teacher sees the
            student's inputs.
        data_preprocessor: Defaults to the student's data preprocessor.
        init_cfg: MMEngine initialisation config.
    """

    def __init__(self,
                 student: ConfigType,
                 teacher: Optional[ConfigType],
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_hint: Optional[str] = None,
                 student_ckpt: Optional[str] = None,
                 student_init: Optional[dict] = None,
                 student_taps: Optional[Dict[str, Any]] = None,
                 teacher_taps: Optional[Dict[str, Any]] = None,
                 connectors: Optional[Dict[str, dict]] = None,
                 distill_losses: Optional[Dict[str, dict]] = None,
                 loss_inputs: Optional[Dict[str, dict]] = None,
                 input_shape: Sequence[int] = (3, 32, 32),
                 student_loss_weight: float = 1.0,
                 teacher_trainable: bool = False,
                 teacher_inputs: Optional[ConfigType] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = build_model(student, 'model.student')
        if data_preprocessor is None and hasattr(self.student, 'data_preprocessor'):
            self.data_preprocessor = self.student.data_preprocessor
        self.has_teacher = teacher is not None
        if not self.has_teacher:
            self._check_no_teacher(teacher_ckpt, teacher_taps, teacher_trainable, teacher_inputs)
        teacher = build_model(teacher, 'model.teacher') if self.has_teacher else None
        self.teacher_trainable = teacher_trainable
        if teacher_ckpt is not None:
            load_weights(teacher, teacher_ckpt, owner='teacher', made_by=teacher_ckpt_hint)
        elif self.has_teacher and not teacher_trainable and \
                not getattr(teacher, 'pretrained_from', None):
            raise BadConfigError('teacher_ckpt is required for a frozen teacher: set '
                                 'model.teacher_ckpt to the checkpoint of a trained teacher')
        if student_ckpt is not None:
            load_weights(self.student, student_ckpt, owner='student')
        self.student_init_report = None if student_init is None else \
            build_initializer(student_init).load(self.student, teacher_ckpt=teacher_ckpt)
        # loaded weights must survive the Runner's init_weights() (an mmpretrain head
        # has its own init_cfg, which would draw it afresh)
        if student_ckpt is not None or self.student_init_report is not None:
            self.student._is_init = True
        if teacher_trainable and teacher_ckpt is not None:
            teacher._is_init = True
        if teacher_trainable:
            self.teacher = teacher
        else:
            self._frozen_teacher = [teacher.eval().requires_grad_(False) if teacher else None]
        self.teacher_inputs = None if teacher_inputs is None else \
            build_model(teacher_inputs, 'model.teacher_inputs')
        self.student_loss_weight = student_loss_weight
        self.input_shape = check_input_shape(input_shape)

        self.student_taps = TapSet(student_taps, 'student')
        self.teacher_taps = TapSet(teacher_taps, 'teacher')
        self.distill_losses = nn.ModuleDict(
            {name: build_model(cfg, f'distill_losses.{name}')
             for name, cfg in (distill_losses or {}).items()})
        for name, loss in self.distill_losses.items():
            if not isinstance(loss, DistillLoss):
                raise BadConfigError(f'distill_losses.{name} is a {type(loss).__name__}, not a '
                                     'DistillLoss; distill losses take (student, teacher, **extra)')
            self._check_algorithm(name, loss)
        self.routes = parse_routes(
            loss_inputs or {}, {n: l.input_names() for n, l in self.distill_losses.items()})
        self.connectors = nn.ModuleDict()
        self._teacher_cache = None  # set by TeacherCacheHook for the cached epochs
        # the teacher inputs first: a synthetic set whose class count is not the student's
        # is their own error, not a loss's shape mismatch for a connector to adapt
        if self.teacher_inputs is not None and hasattr(self.teacher_inputs, 'check'):
            self.teacher_inputs.check(self.student, self.get_teacher(), self.input_shape)
        self._check_and_size(connectors or {})

    @staticmethod
    def _check_no_teacher(teacher_ckpt, teacher_taps, teacher_trainable, teacher_inputs) -> None:
        given = [name for name, value in (('teacher_ckpt', teacher_ckpt),
                                          ('teacher_taps', teacher_taps),
                                          ('teacher_trainable', teacher_trainable),
                                          ('teacher_inputs', teacher_inputs)) if value]
        if given:
            raise BadConfigError(f'model.teacher is None (a run without a teacher), but '
                                 f'model.{given[0]} is set; remove it, or give model.teacher')

    def _check_algorithm(self, name: str, loss: DistillLoss) -> None:
        """Refuse a loss whose training step is another algorithm's."""
        needed = loss.algorithm
        if needed and needed not in {cls.__name__ for cls in type(self).__mro__}:
            usage = getattr(MODELS.get(needed), 'usage', '')
            raise BadConfigError(
                f'distill loss {name!r} ({type(loss).__name__}) is trained by {needed}, '
                f'not by {type(self).__name__}: set model.type={needed!r}'
                + (f' {usage}' if usage else ''))

    # ------------------------------------------------------------------ models
    def get_teacher(self) -> Optional[nn.Module]:
        """The teacher, frozen or trainable; ``None`` in a run without one."""
        return self.teacher if self.teacher_trainable else self._frozen_teacher[0]

    def _apply(self, fn, *args, **kwargs):
        # the frozen teacher is outside the module tree; move it with the rest
        super()._apply(fn, *args, **kwargs)
        if not self.teacher_trainable and self._frozen_teacher[0] is not None:
            self._frozen_teacher[0]._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'Distiller':
        super().train(mode)
        if not self.teacher_trainable and self._frozen_teacher[0] is not None:
            self._frozen_teacher[0].eval()
        return self

    # ----------------------------------------------------------- build checks
    def _check_and_size(self, connector_cfgs: Dict[str, dict]) -> None:
        self.student_taps.check(self.student)
        if self.has_teacher:
            self.teacher_taps.check(self.get_teacher())
        else:
            for route in self._all_routes():
                if route.origin == 'teacher':
                    raise BadConfigError(
                        f'loss_inputs.{route.loss}.{route.arg}: {route.source!r} is a teacher '
                        'tap, but model.teacher is None (a run without a teacher); route it from '
                        "the student or the data (e.g. teacher='data.gt_label' for "
                        'TeacherFreeKDLoss), or give model.teacher')
        taps = {f'student.{n}' for n in self.student_taps.taps} | \
            {f'teacher.{n}' for n in self.teacher_taps.taps}
        for route in self._all_routes():
            if route.origin != 'data' and route.source not in taps:
                raise BadConfigError(
                    f'loss_inputs.{route.loss}.{route.arg}: {route.source!r} is not a declared '
                    f'tap; declared: {sorted(taps)} (add it to {route.origin}_taps)')
            if route.connector is not None and route.connector not in connector_cfgs:
                raise BadConfigError(
                    f'loss_inputs.{route.loss}.{route.arg}: connector {route.connector!r} is not '
                    f'in connectors {sorted(connector_cfgs)}')
        records = self._dry_run()
        # the dry run has just recorded the teacher's taps over one whole pass
        self._teacher_stops_early = not self.teacher_trainable and \
            self.teacher_taps.kept_first_records()
        for route in self._all_routes():
            if route.connector is not None and route.connector not in self.connectors:
                self.connectors[route.connector] = self._build_connector(
                    route, connector_cfgs[route.connector], records)
        for route in self._all_routes():
            trained = route.connector is not None and any(
                p.requires_grad for p in self.connectors[route.connector].parameters())
            if route.arg == 'teacher' and trained and \
                    getattr(self.distill_losses[route.loss], 'detach_teacher', False):
                raise BadConfigError(
                    f'loss_inputs.{route.loss}.teacher goes through the trainable connector '
                    f'{route.connector!r}, but distill loss {route.loss!r} detaches its teacher '
                    'input, so the connector would never learn; set '
                    f'distill_losses.{route.loss}.detach_teacher=False')
        self._check_losses(records)

    def _all_routes(self) -> List[Route]:
        return [r for routes in self.routes.values() for r in routes]

    def _dry_run(self) -> Dict[str, Any]:
        records = dry_run(self.student, self.student_taps, self.input_shape)
        if self.has_teacher:
            shape = getattr(self.teacher_inputs, 'input_shape', None) or self.input_shape
            records.update(dry_run(self.get_teacher(), self.teacher_taps, shape))
        return records

    def _partner(self, route: Route) -> Optional[Route]:
        other = {'student': 'teacher', 'teacher': 'student'}.get(route.arg)
        return next((r for r in self.routes[route.loss] if r.arg == other), None)

    def _build_connector(self, route: Route, cfg: dict, records: Dict[str, Any]) -> nn.Module:
        cfg = dict(cfg)
        check_type(cfg, f'connectors.{route.connector}')
        cls = MODELS.get(cfg['type'])
        partner = self._partner(route)
        if isinstance(records[route.source], STRUCTURED):
            raise BadConfigError(
                self._element_hint(route, records, f'connector {route.connector!r}'))
        if hasattr(cls, 'sizes') and partner is not None and partner.origin != 'data':
            src, dst = records[route.source], records[partner.source]
            if has_sequence(dict(src=src, dst=dst)):
                raise BadConfigError(
                    f'connectors.{route.connector} ({cfg["type"]}) adapts one map, but '
                    f'loss_inputs.{route.loss} routes multi-level outputs into it: '
                    f'{route.source} {describe(src)}, {partner.source} {describe(dst)}; tap one '
                    "level per loss, e.g. dict(type='ModuleOutputTap', source='neck', index=0)")
            for key, value in cls.sizes(tuple(src.shape), tuple(dst.shape)).items():
                cfg.setdefault(key, value)
        try:
            return MODELS.build(cfg)
        except TypeError as err:
            raise BadConfigError(f'connectors.{route.connector}: {err}') from None

    def _check_losses(self, records: Dict[str, Any]) -> None:
        """Run every loss once on the dry-run records; explain shape errors."""
        for name, loss in self.distill_losses.items():
            state = copy.deepcopy(loss.state_dict())  # memory banks must not change
            try:
                with torch.no_grad():
                    loss(**self._loss_kwargs(name, records, None, batch_size=2))
            except Exception as err:  # noqa: BLE001 - explained below, or re-raised
                whole = [r for r in self.routes[name] if r.origin != 'data' and r.connector is None
                         and isinstance(records[r.source], STRUCTURED) and records[r.source]]
                if whole:
                    raise BadConfigError(self._element_hint(
                        whole[0], records, f'distill loss {name!r} ({type(loss).__name__})',
                        str(err).splitlines()[0] if str(err) else type(err).__name__)) from None
                if not isinstance(err, (ValueError, RuntimeError, IndexError, TypeError,
                                        AttributeError)):
                    raise
                shapes = {r.arg: self._describe(r, records) for r in self.routes[name]}
                raw = {r.arg: records[r.source] for r in self.routes[name] if r.origin != 'data'}
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

    def _element_hint(self, route: Route, records: Dict[str, Any], consumer: str,
                      error: str = '') -> str:
        """Explain a tuple/dict record that reached a consumer needing one tensor."""
        value = records[route.source]
        owner, tap_name = route.source.split('.', 1)
        tap = (self.student_taps if owner == 'student' else self.teacher_taps).taps[tap_name]
        if isinstance(value, dict):
            kind, element = f'dict with keys {sorted(value)}', f"[{next(iter(value))!r}]"
            option = f'key={next(iter(value))!r}'
        else:
            kind, element, option = f'{type(value).__name__} of {len(value)}', '[0]', 'index=0'
        why = f' ({error})' if error else ''
        levels = ''
        if consumer.startswith('distill loss') and isinstance(value, (list, tuple)) and \
                len(value) > 1:  # several levels, e.g. an FPN's: a loss can take them all
            levels = (f", or give the loss every level: dict(type='MultiLevelLoss', "
                      f"loss=dict(type='{consumer.split('(')[1].split(')')[0]}', ...))")
        return (f'loss_inputs.{route.loss}.{route.arg}: {route.source!r} records the whole '
                f'output of {tap.source}, a {kind}, which {consumer} cannot take{why}; pick '
                f'one element in the tap: {owner}_taps.{tap_name}="{tap.source}{element}" or '
                f"dict(type='{type(tap).__name__}', source='{tap.source}', {option}){levels}")

    def _describe(self, route: Route, records: Dict[str, Any]) -> str:
        if route.origin == 'data':
            return route.source
        shape = describe(records[route.source])
        via = f' via {route.connector}' if route.connector else ''
        return f'{route.source} {shape}{via}'

    # ------------------------------------------------------------------ steps
    def _loss_kwargs(self, name: str, records: Dict[str, Any],
                     data_samples: Optional[List[BaseDataElement]],
                     batch_size: int) -> Dict[str, Any]:
        kwargs = {}
        for route in self.routes[name]:
            if route.origin == 'data':
                value = gather_data_field(data_samples, route.source.split('.', 1)[1], batch_size)
                value = value.to(self._device())
            else:
                value = records[route.source]
            if route.connector is not None:
                value = self.connectors[route.connector](value)
            kwargs[route.arg] = value
        return kwargs

    def _device(self) -> torch.device:
        return next(self.student.parameters()).device

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.student(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list]) -> Dict[str, Any]:
        """Student task losses + distill losses (+ teacher losses when trainable)."""
        losses = {}
        teacher = self.get_teacher()
        slots = self._cache_slots(data_samples)
        if slots is not None:
            self.teacher_taps.load(self._teacher_cache.read(slots, inputs.device))
        elif teacher is not None:
            self._run_teacher(teacher, inputs, data_samples, losses)
        with self.student_taps.recording(self.student):
            student_losses = self.student(inputs, data_samples, mode='loss')
        losses.update(prefix_losses(student_losses, 'student', self.student_loss_weight))
        records = {**self.student_taps.values(), **self.teacher_taps.values()}
        for name, loss in self.distill_losses.items():
            kwargs = self._loss_kwargs(name, records, data_samples, batch_size=inputs.shape[0])
            losses[f'distill.{name}'] = loss(**kwargs)
        return losses

    def _run_teacher(self, teacher: nn.Module, inputs: torch.Tensor,
                     data_samples: Optional[list], losses: Dict[str, Any]) -> None:
        if self.teacher_inputs is not None:
            with torch.no_grad():
                inputs = self.teacher_inputs(inputs, data_samples)
        with self.teacher_taps.recording(teacher, self._teacher_stops_early):
            if self.teacher_trainable:
                losses.update(prefix_losses(teacher(inputs, data_samples, mode='loss'), 'teacher'))
            else:
                with torch.no_grad():
                    try:
                        teacher(inputs, data_samples, mode='tensor')
                    except TapsComplete:  # every tap has its value: the rest is not needed
                        pass

    def teacher_records(self, inputs: torch.Tensor,
                        data_samples: Optional[list]) -> Dict[str, Any]:
        """``{teacher tap name: value}`` of one frozen-teacher pass (no gradient)."""
        self._run_teacher(self.get_teacher(), inputs, data_samples, {})
        return {name: tap.value for name, tap in self.teacher_taps.taps.items()}

    def attach_teacher_cache(self, reader) -> None:
        """Read the teacher's tap values from a
        :class:`~sfkd.engine.teacher_cache.TeacherCacheReader` for every sample
        that carries a cache slot (``None``: run the teacher again)."""
        self._teacher_cache = reader

    def _cache_slots(self, data_samples: Optional[list]) -> Optional[List[int]]:
        if self._teacher_cache is None or not data_samples:
            return None
        slots = [sample.metainfo.get(SLOT_KEY) for sample in data_samples]
        return None if any(slot is None for slot in slots) else slots

    def teacher_val_step(self, data: dict) -> list:
        """Predictions of the teacher on a validation batch."""
        data = self.data_preprocessor(data, False)
        with torch.no_grad():
            return self.get_teacher()(**data, mode='predict')

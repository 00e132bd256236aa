"""Stage 2: distil a teacher into a student with any set of distill losses."""
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from sfkd.registry import MODELS
from sfkd.structures.state_dict_layout import StateDictLayout, register_state_dict_layout
from sfkd.utils.checkpoint_io import load_weights
from sfkd.utils.errors import BadConfigError

from ..initializers import build_initializer
from ..losses.base import DistillLoss
from ..model_config import build_model
from ..taps import TapSet, check_input_shape
from ..teacher_sources import TeacherSource, teacher_source_from
from .distiller_checks import check_algorithm, check_and_size
from .loss_router import Route, parse_routes, route_values
from .prefix import prefix_losses

ConfigType = Union[dict, nn.Module]


@MODELS.register_module()
class Distiller(BaseModel):
    """Distils a teacher into a student; nothing in it assumes a task.

    The student and the teacher are any MMEngine ``BaseModel`` built from config (an
    mmpretrain classifier, an mmdet detector, an mmseg segmentor or an sfkd model) that
    supports the ``loss``, ``predict`` and ``tensor`` modes. Taps record values by dotted
    module path during both forward passes; ``loss_inputs`` routes them, through optional
    connectors, into the distill losses. Every logged loss is prefixed ``student.``,
    ``distill.`` or (for a trainable teacher) ``teacher.``.

    The teacher's records of a batch come from one teacher source
    (:class:`~sfkd.models.teacher_sources.TeacherSource`, ``teacher_source``):
    made from the teacher options, it is a
    :class:`~sfkd.models.teacher_sources.LiveTeacher` (frozen: out of the
    module tree, in eval mode, stopped after its last tap; or trainable), a
    :class:`~sfkd.models.teacher_sources.TransformedInputs` around it when
    ``teacher_inputs`` is set (LW-KD), or a
    :class:`~sfkd.models.teacher_sources.NoTeacher` for ``teacher=None``
    (teacher-free KD: a route from a ``teacher.`` tap is refused). A teacher
    cache swaps in a :class:`~sfkd.models.teacher_sources.CachedTeacher` for
    the cached epochs (:meth:`use_teacher_source`). Several frozen teachers
    (``teachers``, named other than ``student`` and ``data``) record as
    ``<name>.<tap>``; the first is the one validated (``get_teacher``), and a
    teacher cache is refused.

    A distill loss whose ``algorithm`` names a subclass (e.g.
    :class:`~sfkd.models.losses.AdversarialKDLoss`, trained by
    :class:`~sfkd.models.algorithms.AdversarialDistiller`) is refused by any
    other distiller type. Everything is checked when the model is built
    (:mod:`~sfkd.models.algorithms.distiller_checks`): tap paths, loss
    argument names, connector names and the shapes reaching each loss, by a
    dry forward pass on zeros of ``input_shape``, which also sizes
    connectors whose channels are not given.

    Args:
        student: Student model config; ``dict(cfg_path=...)`` takes the
            ``model`` of another config file.
        teacher: Teacher model config; ``cfg_path`` as for the student.
            ``None``: no teacher (the losses need none), or a ``teacher_source``.
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
        connectors: ``{name: connector config}`` (teacher-path ones get the teacher).
        distill_losses: ``{name: loss config}``; each a :class:`DistillLoss`.
        loss_inputs: ``{loss name: {argument: source}}``; see ``loss_router``.
        input_shape: Shape of one input sample for the dry run, e.g. ``(1, 28, 28)``.
        student_loss_weight: Weight of the student's own task losses.
        teacher_trainable: Train the teacher too (its losses get ``teacher.``).
        teacher_inputs: Optional module config that makes the teacher's inputs
            from ``(inputs, data_samples)``, e.g.
            :class:`~sfkd.models.teacher_inputs.ClassConditionalInputs`; by
            default the teacher sees the student's inputs.
        teacher_source: A teacher source config, ``dict(type=...)``, instead
            of the four teacher options above.
        teachers: Several teachers instead of the teacher options above,
            ``{name: dict(teacher=MODEL_CFG, ckpt=PATH, ckpt_hint=COMMAND,
            taps={tap: path})}`` (or ``source=dict(type=...)`` for ``teacher``
            and ``ckpt``); see :class:`~sfkd.models.teacher_sources.TeacherSet`.
        data_preprocessor: Defaults to the student's data preprocessor.
        init_cfg: MMEngine initialisation config.
    """

    #: its checkpoints: the student (exported) beside the parts only distillation needs
    state_dict_layout = register_state_dict_layout(StateDictLayout(
        name='Distiller', title='a Distiller', product='student',
        parts=('student.', 'connectors.', 'distill_losses.', 'teacher.')))

    def __init__(self,
                 student: ConfigType,
                 teacher: Optional[ConfigType] = None,
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
                 teacher_source: Optional[Union[dict, TeacherSource]] = None,
                 teachers: Optional[Dict[str, dict]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = build_model(student, 'model.student')
        if data_preprocessor is None and hasattr(self.student, 'data_preprocessor'):
            self.data_preprocessor = self.student.data_preprocessor
        self._replaced_sources: List[TeacherSource] = []
        self._adopt(teacher_source_from(teacher, teacher_ckpt, teacher_ckpt_hint,
                                        teacher_trainable, teacher_inputs, teacher_taps,
                                        teacher_source, teachers))
        if student_ckpt is not None:
            load_weights(self.student, student_ckpt, owner='student')
        self.student_init_report = None if student_init is None else \
            build_initializer(student_init).load(self.student, teacher_ckpt=teacher_ckpt)
        # loaded weights must survive the Runner's init_weights() (an mmpretrain head
        # has its own init_cfg, which would draw it afresh)
        if student_ckpt is not None or self.student_init_report is not None:
            self.student._is_init = True
        self.student_loss_weight = student_loss_weight
        self.input_shape = check_input_shape(input_shape)

        self.student_taps = TapSet(student_taps, 'student')
        self.teacher_taps = TapSet(teacher_taps, 'teacher')
        self.tap_sets = {'student': self.student_taps,
                         **self.teacher_source.tap_sets(self.teacher_taps)}
        self.distill_losses = nn.ModuleDict(
            {name: build_model(cfg, f'distill_losses.{name}')
             for name, cfg in (distill_losses or {}).items()})
        for name, loss in self.distill_losses.items():
            if not isinstance(loss, DistillLoss):
                raise BadConfigError(f'distill_losses.{name} is a {type(loss).__name__}, not a '
                                     'DistillLoss; distill losses take (student, teacher, **extra)')
            check_algorithm(self, name, loss)
        self.routes = parse_routes(
            loss_inputs or {}, {n: l.input_names() for n, l in self.distill_losses.items()})
        self.connectors = nn.ModuleDict()
        self._check_and_size(connectors or {})

    def _check_and_size(self, connector_cfgs: Dict[str, dict]) -> None:
        """The build-time checks (a subclass adds its own before them)."""
        check_and_size(self, connector_cfgs)

    # ----------------------------------------------------------- the teacher
    def use_teacher_source(self, source: TeacherSource) -> None:
        """Take the teacher records from ``source`` until :meth:`restore_teacher_source`
        (a teacher cache installs a :class:`~sfkd.models.teacher_sources.CachedTeacher`)."""
        self._replaced_sources.append(self.teacher_source)
        self._adopt(source)

    def restore_teacher_source(self) -> None:
        """Go back to the source that the last :meth:`use_teacher_source` replaced."""
        self._adopt(self._replaced_sources.pop())

    def _adopt(self, source: TeacherSource) -> None:
        self.teacher_source = source
        for name, module in source.owned_modules().items():  # trained and saved with it
            setattr(self, name, module)

    def get_teacher(self) -> Optional[nn.Module]:
        """The teacher, frozen or trainable; ``None`` in a run without one."""
        return self.teacher_source.teacher()

    @property
    def teacher_trainable(self) -> bool:
        """Whether the teacher trains with the student (its metrics change)."""
        return self.teacher_source.trainable

    def _apply(self, fn, *args, **kwargs):
        # a frozen teacher is outside the module tree; move it with the rest
        super()._apply(fn, *args, **kwargs)
        for module in self.teacher_source.frozen_modules():
            module._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'Distiller':
        super().train(mode)
        for module in self.teacher_source.frozen_modules():
            module.eval()
        return self

    def teacher_records(self, inputs: torch.Tensor,
                        data_samples: Optional[list]) -> Dict[str, Any]:
        """``{teacher tap name: value}`` of one batch, from the teacher source."""
        self.teacher_source.records(self.teacher_taps, inputs, data_samples, {})
        return {name: tap.value for name, tap in self.teacher_taps.taps.items()}

    def teacher_val_step(self, data: dict) -> list:
        """Predictions of the teacher on a validation batch, in the teacher's own
        normalisation (as its source gives it in training)."""
        teacher = self.get_teacher()
        data = self.data_preprocessor(data, False)
        adapter = getattr(self.teacher_source, 'input_adapter', None)
        if adapter is not None:
            data['inputs'] = adapter(data['inputs'], data.get('data_samples'))
        with torch.no_grad():
            return teacher(**data, mode='predict')

    # ------------------------------------------------------------------ steps
    def all_routes(self) -> List[Route]:
        """Every route of every distill loss."""
        return [r for routes in self.routes.values() for r in routes]

    def loss_kwargs(self, name: str, records: Dict[str, Any],
                    data_samples: Optional[List[BaseDataElement]],
                    batch_size: int) -> Dict[str, Any]:
        """The arguments of distill loss ``name``: routed records, through connectors."""
        return route_values(self.routes[name], records, data_samples, batch_size,
                            self.connectors, self.student)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.student(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list]) -> Dict[str, Any]:
        """Student task losses + distill losses (+ teacher losses when trainable)."""
        losses = {}
        self.teacher_source.records(self.teacher_taps, inputs, data_samples, losses)
        with self.student_taps.recording(self.student):
            student_losses = self.student(inputs, data_samples, mode='loss')
        losses.update(prefix_losses(student_losses, 'student', self.student_loss_weight))
        records = {k: v for taps in self.tap_sets.values() for k, v in taps.values().items()}
        for name, loss in self.distill_losses.items():
            kwargs = self.loss_kwargs(name, records, data_samples, batch_size=inputs.shape[0])
            losses[f'distill.{name}'] = loss(**kwargs)
        return losses

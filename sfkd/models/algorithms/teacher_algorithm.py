"""The shared base of stage-1 teacher algorithms (SFTN, SoTeacher): a teacher trained
for its students, with what every such algorithm needs."""
import os.path as osp
from contextlib import contextmanager, nullcontext
from typing import Any, Dict, Iterator, Optional, Sequence

import torch
from mmengine.model import BaseModel
from torch import nn

from sfkd.structures.state_dict_layout import StateDictLayout, register_state_dict_layout
from sfkd.utils.checkpoint_io import load_weights, mismatch, state_part
from sfkd.utils.errors import BadConfigError

from ..model_config import build_model
from ..regularizers.base import TeacherRegularizer
from ..taps import TapSet, check_input_shape, dry_run
from ..training_progress import SET_PROGRESS_FIX, ProgressAware
from .loss_router import gather_data_field
from .prefix import prefix_losses

OUTPUT = '<output>'  # name of the output tap among a model's recorded taps
# a KD config whose teacher is an SFTN run's, named where a student is asked of such a run
KD_FROM_SFTN = 'sfkd::kd/kd-sftn_small-resnet_tiny-resnet_fashion-mnist.py'


def tap_set(owner: str, paths: set, output_tap: Any) -> TapSet:
    """Taps on the modules at ``paths`` (named by path, ``/`` for ``.``) and on the output
    (``output_tap``, named ``OUTPUT``) of a model called ``owner``."""
    cfgs = {p.replace('.', '/'): p for p in paths}
    cfgs[OUTPUT] = output_tap
    return TapSet(cfgs, owner)


def dry_records(model: nn.Module, owner: str, paths: set, output_tap: Any,
                input_shape: Sequence[int]) -> Dict[str, Any]:
    """The values at ``paths`` and of ``output_tap`` in a dry run of ``model`` on one
    batch of ``input_shape``, keyed by path (the output by ``OUTPUT``)."""
    records = dry_run(model, tap_set(owner, paths, output_tap), input_shape)
    return {p: records[f"{owner}.{p.replace('.', '/')}"] for p in paths} | \
        {OUTPUT: records[f'{owner}.{OUTPUT}']}


def no_student_hint(state: Dict[str, torch.Tensor], model: nn.Module, path: str,
                    name: str) -> Optional[str]:
    """For an SFTN checkpoint (with branch students) at ``path`` whose teacher is not
    ``model`` (named ``name``): why the run holds no student to load, and what to do
    instead; None for a checkpoint without branch students, or whose teacher is ``model``."""
    if not any(k.startswith('students.') for k in state) or \
            not mismatch(state_part(state, 'teacher.'), model):
        return None
    students = sorted({k.split('.')[1] for k in state if k.startswith('students.')})
    fits = [s for s in students if not mismatch(state_part(state, f'students.{s}.'), model)]
    what = (f'the architecture of its branch student students.{fits[0]}, not of its teacher'
            if fits else 'not its teacher')
    final = osp.join(osp.dirname(path) or '.', 'teacher_final.pth')
    return (f'is an SFTN checkpoint (keys teacher.*, students.*) and {name} is '
            f'{what}: an SFTN run trains a teacher, whose branch students run on the '
            "teacher's early stages, so the run holds no complete student; test the teacher "
            f'with the teacher config and {final!r}, or train a student from it with a KD '
            f'config like sfkd::kd/kd-sftn_*.py: sfkd-train {KD_FROM_SFTN} --cfg-options '
            f'model.teacher_ckpt={final}')


class TeacherAlgorithm(ProgressAware, BaseModel):
    """Base of the models that train a teacher for its students (stage 1).

    It holds the wrapped teacher (``teacher.*`` in the state dict, so
    ``ExportSubmodelHook(part='teacher')`` and ``sfkd-export-student --part
    teacher`` take it out), starts it from ``teacher_ckpt`` in the fine-tune
    mode, and holds the regularisers: components
    (:class:`~sfkd.models.regularizers.base.TeacherRegularizer`, under
    ``regularizers.*``) that add a teacher-only term, logged as
    ``teacher.loss_<name>``, to any algorithm. Validation, prediction and
    export use the teacher alone; the training step (:meth:`loss`) is the
    teacher's task loss (``teacher.`` prefix, times ``teacher_weight``), the
    subclass's own terms (:meth:`extra_losses`) and the regularisers.

    Training progress: a warm-up (``warmup_epochs`` set by a subclass, during
    which the teacher runs frozen: eval mode, no gradient, regularisers off)
    and the regularisers read the run's epoch and length from
    ``self.progress``, which sfkd's runner sets through
    ``TrainingProgressHook`` (:mod:`sfkd.models.training_progress`); a model
    stepped by hand calls ``model.set_progress(epoch, max_epochs, max_iters)``.

    A new teacher algorithm subclasses this class, records the teacher
    modules it needs through :meth:`teacher_paths` and adds its terms in
    :meth:`extra_losses`.

    Args:
        teacher: Teacher model config (``cfg_path`` allowed).
        output_taps: The teacher output the regularisers (and a subclass's
            terms) take: ``dict(teacher=<module path or tap config>)``;
            ``roles`` names the keys it must have.
        regularizers: ``{name: regulariser config}``.
        teacher_weight: Weight of the teacher's task loss.
        teacher_ckpt: Start from these teacher weights (fine-tune mode).
        teacher_ckpt_hint: The command that writes ``teacher_ckpt``; the error
            for a missing file names it.
        input_shape: Shape of one input sample for the dry runs.
        data_preprocessor: Defaults to the teacher's.
        init_cfg: MMEngine initialisation config.
        roles: The keys ``output_taps`` must have (a subclass's choice).
    """

    #: its checkpoints (and its subclasses'): the teacher (exported as
    #: ``teacher_final.pth``) beside the regularisers and, for SFTN, the branch students,
    #: their transforms and the imitation loss (the former ``FriendlyTeacher``'s parts)
    state_dict_layout = register_state_dict_layout(StateDictLayout(
        name='FriendlyTeacher', title='an SFTN/SoTeacher', product='teacher',
        parts=('teacher.', 'students.', 'transforms.', 'regularizers.', 'imitation.'),
        explain=no_student_hint))

    #: the option that sets the warm-up, as its messages name it
    WARMUP_OPTION = 'model.branch_warmup_epochs'

    def __init__(self,
                 teacher: dict,
                 output_taps: Optional[Dict[str, Any]] = None,
                 regularizers: Optional[Dict[str, dict]] = None,
                 teacher_weight: float = 1.0,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_hint: Optional[str] = None,
                 input_shape: Sequence[int] = (3, 32, 32),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 roles: Sequence[str] = ('teacher', )) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.warmup_epochs = 0
        self.teacher = build_model(teacher, 'model.teacher')
        if data_preprocessor is None and hasattr(self.teacher, 'data_preprocessor'):
            self.data_preprocessor = self.teacher.data_preprocessor
        if teacher_ckpt is not None:
            load_weights(self.teacher, teacher_ckpt, owner='teacher', made_by=teacher_ckpt_hint)
            # the runner's init_weights must not overwrite the loaded teacher (an mmpretrain
            # head's init_cfg would re-draw head.fc)
            self.teacher._is_init = True
        output_taps = output_taps or {role: 'head.fc' for role in roles}
        if set(output_taps) != set(roles):
            names = ' and '.join(repr(r) for r in roles)
            raise BadConfigError(f'output_taps must name the {names} output '
                                 f'module{"s" if len(roles) > 1 else ""}, got '
                                 f'{sorted(output_taps)}')
        self.output_taps = dict(output_taps)
        TapSet(dict(output=self.output_taps['teacher']), 'teacher').check(self.teacher)
        self.weights = dict(teacher=teacher_weight)
        self.input_shape = check_input_shape(input_shape)
        if regularizers is not None and not isinstance(regularizers, dict):
            raise BadConfigError(
                'model.regularizers must be a dict {name: regulariser config}, e.g. '
                "dict(lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=1e-5)), "
                f'got {regularizers!r}')
        self.regularizers = nn.ModuleDict(
            {name: build_model(cfg, f'regularizers.{name}')
             for name, cfg in (regularizers or {}).items()})
        for name, reg in self.regularizers.items():
            if not isinstance(reg, TeacherRegularizer):
                raise BadConfigError(f'regularizers.{name} is a {type(reg).__name__}, '
                                     'not a TeacherRegularizer')
        self._teacher_taps = tap_set('teacher', set(), self.output_taps['teacher'])

    # ------------------------------------------------------------------ set-up
    def teacher_records(self, paths: set = frozenset()) -> Dict[str, Any]:
        """The teacher's values at ``paths`` and its output in a dry run."""
        return dry_records(self.teacher, 'teacher', set(paths), self.output_taps['teacher'],
                           self.input_shape)

    def check_regularizers(self, t_out: Any) -> None:
        """Each regulariser must take the teacher output ``t_out`` (from a dry run)."""
        for name, reg in self.regularizers.items():
            reg.check_output(t_out, f'regularizers.{name}', self.output_taps['teacher'])

    def teacher_paths(self) -> set:
        """The teacher modules whose outputs a step records besides the output tap."""
        return set()

    def record_teacher(self) -> None:
        """Build the taps one step records (call after :meth:`teacher_paths` is set)."""
        self._teacher_taps = tap_set('teacher', self.teacher_paths(),
                                     self.output_taps['teacher'])

    # ------------------------------------------------------------------ steps
    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.teacher(inputs, data_samples, mode=mode)

    def warming_up(self) -> bool:
        """Whether this training step is in the warm-up (the teacher frozen)."""
        if not self.warmup_epochs or not self.training:
            return False
        epoch, max_epochs, _ = self.progress
        option = f'{self.WARMUP_OPTION}={self.warmup_epochs}'
        if max_epochs is None:
            raise BadConfigError(
                f"{option} needs the run's max_epochs to check that the teacher trains after "
                f'the warm-up: {SET_PROGRESS_FIX}')
        if self.warmup_epochs >= max_epochs:
            raise BadConfigError(
                f'{option} covers the whole run (max_epochs={max_epochs}; an iteration-based '
                'loop counts as one epoch), so the teacher would never train: use fewer '
                'warm-up epochs or more epochs')
        return epoch < self.warmup_epochs

    @contextmanager
    def frozen_teacher(self) -> Iterator[None]:
        """The teacher in eval mode (BatchNorm on its running statistics, which then do not
        move) and without autograd while active; each module's mode is restored after."""
        modes = [(m, m.training) for m in self.teacher.modules()]
        self.teacher.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            for module, mode in modes:
                module.training = mode

    def extra_losses(self, inputs: torch.Tensor, data_samples: Optional[list],
                     records: Dict[str, Any]) -> Dict[str, Any]:
        """A subclass's terms, from the teacher's recorded values ``records`` (keyed by
        path, the output by ``OUTPUT``)."""
        return {}

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list]) -> Dict[str, Any]:
        """Teacher task loss + the subclass's terms + regularisers."""
        taps = self._teacher_taps
        warm = self.warming_up()
        with (self.frozen_teacher() if warm else nullcontext()), taps.recording(self.teacher):
            teacher_losses = self.teacher(inputs, data_samples, mode='loss')
        records = {p: taps.taps[p.replace('.', '/')].value for p in self.teacher_paths()}
        records[OUTPUT] = t_out = taps.taps[OUTPUT].value
        for tap in taps.taps.values():
            tap.reset()  # the step holds on to no recorded value
        losses = prefix_losses(teacher_losses, 'teacher', self.weights['teacher'])
        losses.update(self.extra_losses(inputs, data_samples, records))
        if self.regularizers and not warm:
            losses.update(self.regularizer_losses(inputs, data_samples, t_out))
        return losses

    def regularizer_losses(self, inputs: torch.Tensor, data_samples: Optional[list],
                           t_out: Any) -> Dict[str, Any]:
        """``teacher.loss_<name>`` of each regulariser on the teacher output ``t_out``."""
        epoch, max_epochs, _ = self.progress
        needs_index = any(reg.needs_index for reg in self.regularizers.values())
        index = None if data_samples is None or not needs_index else gather_data_field(
            data_samples, 'sample_idx', inputs.shape[0]).to(inputs.device)
        return {f'teacher.loss_{name}': reg(self.teacher, t_out, index=index, epoch=epoch,
                                            max_epochs=max_epochs)
                for name, reg in self.regularizers.items()}

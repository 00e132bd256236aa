"""Stage 1: train a teacher for its students (SFTN branches, SoTeacher regularisers)."""
import copy
from contextlib import contextmanager, nullcontext
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from torch import nn

from sfkd.engine.checkpoint_io import load_weights
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import boolean, number

from ..losses.base import DistillLoss
from ..model_config import build_model, check_type
from ..regularizers.base import TeacherRegularizer
from ..taps import TapSet, check_input_shape, dry_run, resolve_module
from ..training_progress import SET_PROGRESS_FIX, ProgressAware
from .branch_skip import (BranchPlan, Snapshot, find_feeders, map_tensors, placeholder,
                          record_calls, same_values, tensors_in)
from .loss_check import describe, has_sequence, sequence_error
from .loss_router import gather_data_field
from .prefix import prefix_losses

AttachSpec = Union[Tuple[str, str], List[str], Dict[str, str]]
OUTPUT = '<output>'  # name of the output tap among the attach-point taps
REDUCTIONS = ('sum', 'mean')
ONE_TENSOR_FIX = ('attach at a module that returns one tensor, e.g. a backbone stage: '
                  "attach=[('backbone.layer3', 'backbone.layer3')]")


class Branch:
    """One student branch: teacher feature at ``teacher_path`` -> transform ->
    the student's remaining stages from ``student_path`` -> its head and loss."""

    def __init__(self, key: str, name: str, student_key: str, teacher_path: str,
                 student_path: str) -> None:
        self.key, self.name, self.student_key = key, name, student_key
        self.teacher_path, self.student_path = teacher_path, student_path
        # what a branch pass skips (see branch_skip.py), decided on its first training pass
        self.plan: Optional[BranchPlan] = None
        self.planned = False


class _ChannelsLast(torch.autograd.Function):
    """A 4-D tensor in channels-last layout whose gradient goes back in the layout of
    the input, so the teacher's own backward keeps its layout."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.channels_last = x.is_contiguous(memory_format=torch.channels_last)
        return x.contiguous(memory_format=torch.channels_last)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad if ctx.channels_last else grad.contiguous()


def _attach_pairs(spec: dict, k: int) -> List[Tuple[str, str]]:
    pairs = []
    for item in spec.get('attach', []):
        if isinstance(item, dict) and {'teacher', 'student'} <= set(item):
            pairs.append((item['teacher'], item['student']))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            pairs.append(tuple(item))
        else:
            raise BadConfigError(f"branches[{k}].attach: expected ('teacher.path', "
                                 f"'student.path') pairs, got {item!r}")
    if not pairs:
        raise BadConfigError(f'branches[{k}] has no attach points; add e.g. '
                             "attach=[('backbone.layer2', 'backbone.layer2')]")
    for path in (p for pair in pairs for p in pair):
        if isinstance(path, str) and ('[' in path or ']' in path):
            raise BadConfigError(
                f'branches[{k}].attach: {path!r} picks one element of a module\'s output, '
                'which an attach point cannot: a branch replaces the whole output of its '
                "student module (a detector's head takes every FPN level); "
                f'{ONE_TENSOR_FIX}')
    return pairs


def check_attach_value(value: Any, branch: 'Branch', owner: str, path: str) -> None:
    """Refuse an attach point whose module does not return one tensor (an FPN neck's
    tuple of levels, a backbone's tuple of stages): a branch transforms one feature."""
    if isinstance(value, torch.Tensor):
        return
    if isinstance(value, dict):
        what = f'a dict with keys {sorted(value)}'
    elif isinstance(value, (tuple, list)):
        what = f'a {type(value).__name__} of {len(value)}'
    else:
        what = f'a {type(value).__name__}'
    raise BadConfigError(
        f'branch {branch.name}: the {owner} module {path} returns {what}, but an attach point '
        f'must return one tensor (the feature the branch transforms); {ONE_TENSOR_FIX}')


@MODELS.register_module()
class FriendlyTeacher(ProgressAware, BaseModel):
    """Trains a teacher jointly with student branches and/or regularisers.

    SFTN (Park et al., NeurIPS 2021, arXiv:2102.07650): each branch takes the
    teacher's feature at an attach point, maps it through a transform (a
    1x1 conv + BN + ReLU by default, sized by a dry forward pass) and runs the
    rest of a student model from the paired attach point, through the
    student's own head and task loss. The teacher's objective is::

        teacher_weight * task(T)
          + branch_task_weight * r * sum_i task(branch_i)
          + branch_imitation_weight * r * sum_i imitation(branch_i output, T output)

    with the imitation loss ``KL_tau(T || branch_i)`` by default, ``r = 1``
    (``branch_reduction='sum'``) or ``r = 1 / n_branches`` (``'mean'``). The
    branch terms' gradients reach the teacher through the transforms (and
    through the teacher output, as ``detach_teacher=False`` in the default
    loss, unless ``detach_teacher_in_kl=True``).

    Options that choose between readings of SFTN (each keeps the behaviour
    this class had before it existed as its default):

    - ``branch_reduction``: ``'sum'`` (default) adds the branch terms as the
      paper's objective writes them (its branch cross-entropy and KL losses
      are sums over the branches), so each added branch adds its full
      weight to the teacher's loss; ``'mean'`` divides
      every branch term by the number of branches, as re-implementations
      that average them do (the teacher then feels ``1 / n`` of each term,
      half with two branches). Each logged branch term carries its factor,
      so the logged terms still add up to the objective.
    - ``detach_teacher_in_kl``: ``False`` (default) passes the teacher output
      to the imitation loss as it is, so a loss that does not detach it
      (``KDLoss(detach_teacher=False)`` in the SFTN configs) pulls the
      teacher's output toward its branches too, the joint optimisation of
      every term over the teacher's parameters that the paper describes.
      ``True`` detaches it: the imitation term then trains the branches
      toward the teacher and reaches the teacher only through the branch
      inputs (the transforms and the teacher stages up to each attach
      point), never through the teacher's later stages or head. With
      ``False`` a loss that detaches by itself (``KDLoss``'s default,
      ``ChannelWiseDivergence``) still detaches.
    - ``branch_warmup_epochs``: ``0`` (default) trains the teacher with its
      branches from the first step. ``N > 0``, for the fine-tune mode
      (``teacher_ckpt`` given, required): during the first ``N`` epochs (the
      run's epoch, 0-based, from the model's progress; see below) only the
      transforms and the branch students train; the teacher
      runs in eval mode under ``no_grad``, so its parameters get no gradient
      and its BatchNorm statistics do not move, its task loss is logged
      without gradient and the regularisers (teacher-only terms) are off.
      Joint training follows. Without it a trained teacher is pulled toward
      branches that have not learnt anything yet. The paper trains teacher
      and branches jointly from scratch and has no fine-tune mode, so 0
      keeps its schedule; ``N`` must be below the run's ``max_epochs`` (an
      iteration-based loop counts as one epoch).
    - ``branch_channels_last``: ``False`` (default) runs the branches in
      PyTorch's default (NCHW) memory layout. ``True`` keeps the transforms'
      and branch students' 4-D weights channels-last and hands each
      transform its teacher feature channels-last, so the branch passes
      run in that layout while the teacher keeps its own. On CPU (oneDNN)
      the narrow convolutions of a branch, 1x1 transforms most of all, run
      several times faster channels-last. A speed option: the losses are
      the same up to float rounding (a different kernel sums in another
      order), not bit for bit. Students whose layers need NCHW tensors
      (a ``view`` of a 4-D map) do not take it.
    - ``share_student`` (a branch spec key): ``True`` (default, the behaviour
      this class had) runs one student copy for all attach points of a spec
      (``students.b<k>``), so its later stages and head are trained by every
      branch that reaches them; ``False`` builds one copy per attach point
      (``students.b<k>_<i>``), each trained by its own branch only, with as
      many times the student's parameters as there are attach points: each
      branch is then a student network of its own.

    Training progress: the branch warm-up and the regularisers read the run's
    epoch and length from ``self.progress``, which sfkd's runner sets through
    ``TrainingProgressHook`` before training and before every epoch
    (:mod:`sfkd.models.training_progress`); ``set_progress`` passes it on to
    the regularisers. A model stepped by hand is at epoch 0 until
    ``model.set_progress(epoch, max_epochs, max_iters)`` is called; the branch
    warm-up and ``LipschitzRegularizer(steps='auto')`` need the run's length
    and refuse to train without it.

    SoTeacher (Dong et al., ICLR 2024, arXiv:2206.06661): ``regularizers``
    add terms such as :class:`LipschitzRegularizer` and
    :class:`ConsistencyRegularizer`; with no branches this is SoTeacher on a
    plain teacher, with branches the two combine.

    The branch student runs as a whole model, its attach module returning the
    transformed teacher feature in place of its own output, so any model
    family (classifier, detector, segmentor, MRI cascade) works unchanged.
    Neither the attach module nor the student modules that only feed it
    (the stem and stages before the attach point, in a classifier) run: the
    first training pass of each branch finds them and checks that skipping
    them gives the same losses (:mod:`.branch_skip`); where it would not,
    they run and their output is discarded. Validation and export use the
    teacher alone.

    Args:
        teacher: Teacher model config (``cfg_path`` allowed).
        branches: Branch specs, each ``dict(student=<model config>,
            attach=[(teacher_path, student_path), ...], share_student=True,
            connector=None)``. An attach path names a module that returns one
            tensor (a backbone stage; not a module returning a tuple, such as
            an FPN neck, and without an element index: the branch replaces the
            student module's whole output). ``share_student`` uses one copy of
            the student for all its attach points (else one copy per point);
            ``connector`` (one config, or one per attach point) overrides the
            default transform, whose sizes are still filled in when left out.
        output_taps: The imitated outputs: a module path each,
            ``dict(teacher='head.fc', student='head.fc')`` for classifiers, or
            a tap config each for dense models, e.g. a detector's per-level
            classification score maps
            ``dict(type='MethodOutputTap', source='bbox_head.forward', index=0)``
            or a segmentor's logits ``'decode_head.conv_seg'``.
        imitation_loss: A distill-loss config comparing a branch output
            (``student``) with the teacher output (``teacher``); for
            multi-level outputs wrap a one-map loss in ``MultiLevelLoss``.
            It is checked on a dry run when the model is built.
        teacher_weight: ``l_T``.
        branch_task_weight: ``l_CE``.
        branch_imitation_weight: ``l_KL``.
        branch_reduction: ``'sum'`` (default) or ``'mean'`` over the branches
            of the branch task and imitation terms (see above).
        detach_teacher_in_kl: Detach the teacher output in the imitation
            term. Defaults to False (see above).
        branch_warmup_epochs: Epochs at the start during which only the
            branches train, the teacher frozen; needs ``teacher_ckpt``.
            Defaults to 0 (see above).
        branch_channels_last: Run the branch passes channels-last.
            Defaults to False (see above).
        transform: Default transform config for every attach point.
        regularizers: ``{name: regulariser config}``; logged as
            ``teacher.loss_<name>``. At least one branch or one regulariser is
            required: without either this is the plain teacher's training,
            which its own config does.
        teacher_ckpt: Start from these teacher weights (fine-tune mode).
        teacher_ckpt_hint: The command that writes ``teacher_ckpt``; the error
            for a missing file names it.
        input_shape: Shape of one input sample for the dry run.
        data_preprocessor: Defaults to the teacher's.
        init_cfg: MMEngine initialisation config.
    """

    def __init__(self,
                 teacher: dict,
                 branches: Sequence[dict] = (),
                 output_taps: Optional[Dict[str, str]] = None,
                 imitation_loss: Optional[dict] = None,
                 teacher_weight: float = 1.0,
                 branch_task_weight: float = 1.0,
                 branch_imitation_weight: float = 3.0,
                 branch_reduction: str = 'sum',
                 detach_teacher_in_kl: bool = False,
                 branch_warmup_epochs: int = 0,
                 branch_channels_last: bool = False,
                 transform: Optional[dict] = None,
                 regularizers: Optional[Dict[str, dict]] = None,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_hint: Optional[str] = None,
                 input_shape: Sequence[int] = (3, 32, 32),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self._check_options(branch_reduction, detach_teacher_in_kl, branch_warmup_epochs,
                            teacher_ckpt, branches)
        self.branch_channels_last = boolean(branch_channels_last, 'model.branch_channels_last',
                                            why='whether the branch passes run channels-last')
        self.branch_reduction = branch_reduction
        self.detach_teacher_in_kl = detach_teacher_in_kl
        self.branch_warmup_epochs = int(branch_warmup_epochs)
        self.teacher = build_model(teacher, 'model.teacher')
        if data_preprocessor is None and hasattr(self.teacher, 'data_preprocessor'):
            self.data_preprocessor = self.teacher.data_preprocessor
        if teacher_ckpt is not None:
            load_weights(self.teacher, teacher_ckpt, owner='teacher', made_by=teacher_ckpt_hint)
            # the runner's init_weights must not overwrite the loaded teacher (an mmpretrain
            # head's init_cfg would re-draw head.fc)
            self.teacher._is_init = True
        output_taps = output_taps or dict(teacher='head.fc', student='head.fc')
        if set(output_taps) != {'teacher', 'student'}:
            raise BadConfigError("output_taps must name the 'teacher' and 'student' output "
                                 f'modules, got {sorted(output_taps)}')
        self.output_taps = dict(output_taps)
        TapSet(dict(output=self.output_taps['teacher']), 'teacher').check(self.teacher)
        self.imitation = build_model(
            imitation_loss or dict(type='KDLoss', tau=1.0, detach_teacher=False),
            'model.imitation_loss')
        if not isinstance(self.imitation, DistillLoss):
            raise BadConfigError('imitation_loss must be a distill loss (student, teacher)')
        self.weights = dict(teacher=teacher_weight, task=branch_task_weight,
                            imitation=branch_imitation_weight)
        self.input_shape = check_input_shape(input_shape)
        self.regularizers = nn.ModuleDict(
            {name: build_model(cfg, f'regularizers.{name}')
             for name, cfg in (regularizers or {}).items()})
        for name, reg in self.regularizers.items():
            if not isinstance(reg, TeacherRegularizer):
                raise BadConfigError(f'regularizers.{name} is a {type(reg).__name__}, '
                                     'not a TeacherRegularizer')
        if not branches and not self.regularizers:
            raise BadConfigError(
                'FriendlyTeacher has no branches and no regularizers, so it would train a plain '
                'teacher: train the plain teacher config instead (e.g. '
                'configs/baseline/small-resnet_3e_fashion-mnist.py), or add model.branches '
                '(SFTN) or model.regularizers (SoTeacher)')

        self.students = nn.ModuleDict()
        self.transforms = nn.ModuleDict()
        self.branches: List[Branch] = []
        transform_cfgs = self._declare_branches(branches, transform)
        self._size_transforms(transform_cfgs)
        if self.branch_channels_last:  # the layout of the 4-D weights (conv kernels)
            self.students.to(memory_format=torch.channels_last)
            self.transforms.to(memory_format=torch.channels_last)
        # the taps one step records, built once: the teacher's attach points and output,
        # and each branch student's output
        self._teacher_taps = self._taps('teacher', {b.teacher_path for b in self.branches})
        self._student_taps = {key: self._taps('student', set()) for key in self.students}

    @staticmethod
    def _check_options(reduction: Any, detach: Any, warmup: Any, teacher_ckpt: Optional[str],
                       branches: Sequence[dict]) -> None:
        if reduction not in REDUCTIONS:
            raise BadConfigError(
                f"model.branch_reduction must be 'sum' (the branch terms added, as in the SFTN "
                f"paper) or 'mean' (averaged over the branches), got {reduction!r}")
        boolean(detach, 'model.detach_teacher_in_kl',
                why='whether the imitation term detaches the teacher output')
        warmup = number(warmup, 'model.branch_warmup_epochs', at_least=0, integer=True,
                        why='the epochs in which only the branches train')
        if warmup and teacher_ckpt is None:
            raise BadConfigError(
                f'model.branch_warmup_epochs={warmup} freezes the teacher while its branches '
                'warm up, which needs a trained teacher: set model.teacher_ckpt (the fine-tune '
                'mode) or set model.branch_warmup_epochs=0')
        if warmup and not branches:
            raise BadConfigError(f'model.branch_warmup_epochs={warmup} warms up branches, but '
                                 'model.branches is empty: add branches or set '
                                 'model.branch_warmup_epochs=0')

    # ------------------------------------------------------------ branch set-up
    def _declare_branches(self, specs: Sequence[dict], default: Optional[dict]) -> Dict[str, dict]:
        cfgs = {}
        for k, spec in enumerate(specs):
            if 'student' not in spec:
                raise BadConfigError(f'branches[{k}] has no student model config')
            pairs = _attach_pairs(spec, k)
            connectors = spec.get('connector')
            if not isinstance(connectors, (list, tuple)):
                connectors = [connectors] * len(pairs)
            if len(connectors) != len(pairs):
                raise BadConfigError(f'branches[{k}].connector: {len(connectors)} configs for '
                                     f'{len(pairs)} attach points')
            share = spec.get('share_student', True)
            student = build_model(spec['student'], f'branches[{k}].student')
            for i, ((t_path, s_path), conn) in enumerate(zip(pairs, connectors)):
                key = f'b{k}_{i}'
                student_key = f'b{k}' if share else key
                if student_key not in self.students:
                    self.students[student_key] = student if (share or i == 0) \
                        else copy.deepcopy(student)
                resolve_module(self.teacher, t_path, 'teacher')
                resolve_module(self.students[student_key], s_path, f'branches[{k}] student')
                TapSet(dict(output=self.output_taps['student']),
                       f'branches[{k}] student').check(self.students[student_key])
                name = f'b{k}.{s_path.rsplit(".", 1)[-1]}'
                self.branches.append(Branch(key, name, student_key, t_path, s_path))
                cfgs[key] = conn or default or dict(type='ConvBNConnector', relu=True)
        return cfgs

    @torch.no_grad()
    def _size_transforms(self, cfgs: Dict[str, dict]) -> None:
        t_records = self._dry_records(self.teacher, 'teacher',
                                      {b.teacher_path for b in self.branches})
        self._check_outputs(t_records[OUTPUT])
        for branch in self.branches:
            student = self.students[branch.student_key]
            check_attach_value(t_records[branch.teacher_path], branch, 'teacher',
                               branch.teacher_path)
            s_value = self._dry_records(student, 'student',
                                        {branch.student_path})[branch.student_path]
            check_attach_value(s_value, branch, 'student', branch.student_path)
            s_shape, t_shape = tuple(s_value.shape), tuple(t_records[branch.teacher_path].shape)
            cfg = dict(cfgs[branch.key])
            check_type(cfg, f'branch {branch.name} connector')
            cls = MODELS.get(cfg['type'])
            if hasattr(cls, 'sizes'):
                for key, value in cls.sizes(t_shape, s_shape).items():
                    cfg.setdefault(key, value)
            transform = MODELS.build(cfg)
            out = tuple(transform.eval()(t_records[branch.teacher_path]).shape)
            if out != s_shape:
                raise BadConfigError(
                    f'branch {branch.name}: the teacher feature at {branch.teacher_path} '
                    f'{t_shape} becomes {out} through {cfg["type"]}, but the student expects '
                    f'{s_shape} at {branch.student_path}; attach at stages of the same '
                    'resolution or add a ResizeConnector')
            self.transforms[branch.key] = transform.train()

    def _check_outputs(self, t_out: Any) -> None:
        """The regularisers and the imitation loss must take the teacher output."""
        for name, reg in self.regularizers.items():
            reg.check_output(t_out, f'regularizers.{name}', self.output_taps['teacher'])
        checked = set()
        for branch in self.branches:
            if branch.student_key in checked:
                continue
            checked.add(branch.student_key)
            s_out = self._dry_records(self.students[branch.student_key], 'student',
                                      set())[OUTPUT]
            inputs = dict(student=describe(s_out), teacher=describe(t_out))
            try:
                with torch.no_grad():
                    self.imitation(student=s_out, teacher=t_out)
            except (ValueError, RuntimeError, IndexError, TypeError, AttributeError) as err:
                if has_sequence(dict(s=s_out, t=t_out)):
                    raise sequence_error('imitation_loss', self.imitation, inputs, err,
                                         "dict(type='MethodOutputTap', "
                                         "source='bbox_head.forward', index=0) for the score "
                                         'maps') from None
                raise BadConfigError(
                    f'imitation_loss ({type(self.imitation).__name__}) cannot compare branch '
                    f'{branch.name} output {inputs["student"]} with the teacher output '
                    f'{inputs["teacher"]} ({str(err).splitlines()[0]}); tap outputs of one '
                    'shape in output_taps') from None

    def _dry_records(self, model: nn.Module, owner: str, paths: set) -> Dict[str, Any]:
        """Values at ``paths`` and of the output tap in a dry run, keyed by path
        (the output tap by ``OUTPUT``)."""
        taps = self._taps(owner, paths)
        records = dry_run(model, taps, self.input_shape)
        return {p: records[f"{owner}.{p.replace('.', '/')}"] for p in paths} | \
            {OUTPUT: records[f'{owner}.{OUTPUT}']}

    def _taps(self, owner: str, paths: set) -> TapSet:
        cfgs = {p.replace('.', '/'): p for p in paths}
        cfgs[OUTPUT] = self.output_taps['student' if owner == 'student' else 'teacher']
        return TapSet(cfgs, owner)

    # ------------------------------------------------------------------ steps
    @contextmanager
    def _inject(self, student: nn.Module, path: str, feature: torch.Tensor) -> Iterator[None]:
        """Replace the output of ``student.<path>`` with ``feature`` while active."""
        handle = resolve_module(student, path).register_forward_hook(lambda m, a, o: feature)
        try:
            yield
        finally:
            handle.remove()

    def _run_branch(self, branch: Branch, feature: torch.Tensor, inputs: torch.Tensor,
                    data_samples: Optional[list]) -> Tuple[Dict[str, Any], Any]:
        """One branch pass: the student's losses and its output tap's value."""
        if not branch.planned and self.training and torch.is_grad_enabled():
            return self._plan_branch(branch, feature, inputs, data_samples)
        student = self.students[branch.student_key]
        out_tap = self._student_taps[branch.student_key]
        skip = branch.plan.active(student, feature) if branch.plan is not None else \
            self._inject(student, branch.student_path, feature)
        with skip, out_tap.recording(student):
            branch_losses = student(inputs, data_samples, mode='loss')
        s_out = out_tap.taps[OUTPUT].value
        out_tap.taps[OUTPUT].reset()
        return branch_losses, s_out

    def _plan_branch(self, branch: Branch, feature: torch.Tensor, inputs: torch.Tensor,
                     data_samples: Optional[list]) -> Tuple[Dict[str, Any], Any]:
        """The first training pass of a branch: a full pass finds the modules that only
        feed the attach module, then the pass runs again from the same state with the
        largest plan that gives the same losses (see :mod:`.branch_skip`); its results
        are the step's."""
        student = self.students[branch.student_key]
        out_tap = self._student_taps[branch.student_key]
        start = Snapshot(student, inputs.device)
        with record_calls(student, branch.student_path) as found, \
                self._inject(student, branch.student_path, feature), out_tap.recording(student):
            full_losses = student(inputs, data_samples, mode='loss')
        full_out = out_tap.taps[OUTPUT].value
        reference = tensors_in(full_losses) + tensors_in(full_out)
        try:
            feeders = find_feeders(found, [t for t in reference if t.is_floating_point()])
        except RuntimeError:  # a graph autograd cannot walk back: skip the attach module only
            feeders = []
        plans = [BranchPlan(branch.student_path,
                            {p: placeholder(found['outputs'][p]) for p in feeders})]
        if feeders:
            plans.append(BranchPlan(branch.student_path))
        del found
        result = (full_losses, full_out)
        for plan in plans:
            start.restore()
            try:
                with plan.active(student, feature), out_tap.recording(student):
                    branch_losses = student(inputs, data_samples, mode='loss')
                s_out = out_tap.taps[OUTPUT].value
            except Exception:  # noqa: BLE001 -- a plan that cannot run is not used
                continue
            if same_values(reference, tensors_in(branch_losses) + tensors_in(s_out)):
                branch.plan, result = plan, (branch_losses, s_out)
                break
        else:  # no plan fits: the full pass, again from the same state
            start.restore()
            with self._inject(student, branch.student_path, feature), \
                    out_tap.recording(student):
                branch_losses = student(inputs, data_samples, mode='loss')
            result = (branch_losses, out_tap.taps[OUTPUT].value)
        out_tap.taps[OUTPUT].reset()
        branch.planned = True
        skipped = branch.plan.skipped if branch.plan is not None else []
        print_log(f'branch {branch.name}: its passes skip the student modules {skipped} '
                  '(the attach module and the modules that only feed it)' if skipped else
                  f'branch {branch.name}: its passes run the whole student (skipping its '
                  'attach module changes its losses)', logger='current')
        return result

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.teacher(inputs, data_samples, mode=mode)

    def warming_up(self) -> bool:
        """Whether this training step is in the branch warm-up (the teacher frozen)."""
        if not self.branch_warmup_epochs or not self.training:
            return False
        epoch, max_epochs, _ = self.progress
        if max_epochs is None:
            raise BadConfigError(
                f'model.branch_warmup_epochs={self.branch_warmup_epochs} needs the run\'s '
                'max_epochs to check that the teacher trains after the warm-up: '
                f'{SET_PROGRESS_FIX}')
        if self.branch_warmup_epochs >= max_epochs:
            raise BadConfigError(
                f'model.branch_warmup_epochs={self.branch_warmup_epochs} covers the whole run '
                f'(max_epochs={max_epochs}; an iteration-based loop counts as one epoch), so the '
                'teacher would never train: use fewer warm-up epochs or more epochs')
        return epoch < self.branch_warmup_epochs

    @contextmanager
    def _frozen_teacher(self) -> Iterator[None]:
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

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list]) -> Dict[str, Any]:
        """Teacher task loss + branch task and imitation losses + regularisers."""
        taps = self._teacher_taps
        warm = self.warming_up()
        with (self._frozen_teacher() if warm else nullcontext()), taps.recording(self.teacher):
            teacher_losses = self.teacher(inputs, data_samples, mode='loss')
        feats = {b.teacher_path: taps.taps[b.teacher_path.replace('.', '/')].value
                 for b in self.branches}
        t_out = taps.taps[OUTPUT].value
        for tap in taps.taps.values():
            tap.reset()  # the step holds on to no recorded value
        losses = prefix_losses(teacher_losses, 'teacher', self.weights['teacher'])

        scale = 1.0 / len(self.branches) if self.branch_reduction == 'mean' and self.branches \
            else 1.0
        t_kl = map_tensors(t_out, torch.Tensor.detach) if self.detach_teacher_in_kl else t_out
        for branch in self.branches:
            feature = feats[branch.teacher_path]
            if self.branch_channels_last and feature.dim() == 4:
                feature = _ChannelsLast.apply(feature)
            feature = self.transforms[branch.key](feature)
            branch_losses, s_out = self._run_branch(branch, feature, inputs, data_samples)
            losses.update(prefix_losses(branch_losses, f'student.{branch.name}',
                                        self.weights['task'] * scale))
            imitation = self.imitation(student=s_out, teacher=t_kl)
            losses[f'distill.{branch.name}.loss_imitation'] = \
                self.weights['imitation'] * scale * imitation

        if self.regularizers and not warm:
            epoch, max_epochs, _ = self.progress
            needs_index = any(reg.needs_index for reg in self.regularizers.values())
            index = None if data_samples is None or not needs_index else gather_data_field(
                data_samples, 'sample_idx', inputs.shape[0]).to(inputs.device)
            for name, reg in self.regularizers.items():
                losses[f'teacher.loss_{name}'] = reg(self.teacher, t_out, index=index,
                                                     epoch=epoch, max_epochs=max_epochs)
        return losses

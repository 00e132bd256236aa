"""Student branches on a teacher: each runs a student model from a teacher feature.

A branch takes the teacher's feature at an attach point, maps it through a
transform (a 1x1 conv + BN + ReLU by default, sized by a dry forward pass) and
runs a student model whose attach module returns the transformed feature in
place of its own output, through the student's own head and task loss. The
student runs as a whole model, so any model family (classifier, detector,
segmentor, MRI cascade) works unchanged. Neither the attach module nor the
student modules that only feed it run: the first training pass of each branch
finds them and checks that skipping them gives the same losses
(:mod:`.branch_skip`); where it would not, they run and their output is
discarded.
"""
import copy
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..model_config import build_model, check_type
from ..taps import TapSet, resolve_module
from .branch_skip import (BranchPlan, Snapshot, find_feeders, placeholder, record_calls,
                          same_values, tensors_in)
from .teacher_algorithm import OUTPUT, dry_records, tap_set

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


class ChannelsLast(torch.autograd.Function):
    """A 4-D tensor in channels-last layout whose gradient goes back in the layout of
    the input, so the teacher's own backward keeps its layout."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.channels_last = x.is_contiguous(memory_format=torch.channels_last)
        return x.contiguous(memory_format=torch.channels_last)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad if ctx.channels_last else grad.contiguous()


def attach_pairs(spec: dict, k: int) -> List[Tuple[str, str]]:
    """The ``(teacher path, student path)`` attach points of branch spec ``k``."""
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


def check_attach_value(value: Any, branch: Branch, owner: str, path: str) -> None:
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


@contextmanager
def injected(student: nn.Module, path: str, feature: Any) -> Iterator[None]:
    """Replace the output of ``student.<path>`` with ``feature`` while active."""
    handle = resolve_module(student, path).register_forward_hook(lambda m, a, o: feature)
    try:
        yield
    finally:
        handle.remove()


class StudentBranches(nn.Module):
    """The student branches of one teacher: their students (``students.b<k>``, one per
    spec, or ``students.b<k>_<i>`` per attach point without ``share_student``), their
    transforms (``transforms.b<k>_<i>``) and :class:`Branch` records (``branches``).

    Args:
        teacher: The teacher the branches attach to (not held as a submodule).
        specs: Branch specs, each ``dict(student=<model config>, attach=[(teacher_path,
            student_path), ...], share_student=True, connector=None)``.
        output_tap: The students' output module path or tap config.
        input_shape: Shape of one input sample for the dry runs.
        transform: Default transform config for every attach point.
        channels_last: Keep the 4-D weights channels-last and hand each transform its
            teacher feature channels-last.
    """

    def __init__(self, teacher: nn.Module, specs: Sequence[dict], output_tap: Any,
                 input_shape: Sequence[int], transform: Optional[dict] = None,
                 channels_last: bool = False) -> None:
        super().__init__()
        self.output_tap, self.input_shape = output_tap, input_shape
        self.channels_last = channels_last
        self.students = nn.ModuleDict()
        self.transforms = nn.ModuleDict()
        self.branches: List[Branch] = []
        self._cfgs: Dict[str, dict] = {}
        for k, spec in enumerate(specs):
            self._declare(teacher, spec, k, transform)
        self._student_taps = {key: tap_set('student', set(), output_tap)
                              for key in self.students}

    def _declare(self, teacher: nn.Module, spec: dict, k: int,
                 default: Optional[dict]) -> None:
        if 'student' not in spec:
            raise BadConfigError(f'branches[{k}] has no student model config')
        pairs = attach_pairs(spec, k)
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
            resolve_module(teacher, t_path, 'teacher')
            resolve_module(self.students[student_key], s_path, f'branches[{k}] student')
            TapSet(dict(output=self.output_tap),
                   f'branches[{k}] student').check(self.students[student_key])
            name = f'b{k}.{s_path.rsplit(".", 1)[-1]}'
            self.branches.append(Branch(key, name, student_key, t_path, s_path))
            self._cfgs[key] = conn or default or dict(type='ConvBNConnector', relu=True)

    def teacher_paths(self) -> set:
        """The teacher modules the branches attach to."""
        return {b.teacher_path for b in self.branches}

    def student_records(self, student_key: str, paths: set = frozenset()) -> Dict[str, Any]:
        """A student's values at ``paths`` and its output in a dry run."""
        return dry_records(self.students[student_key], 'student', set(paths), self.output_tap,
                           self.input_shape)

    def student_outputs(self) -> Iterator[Tuple[Branch, Any]]:
        """The first branch of each student and the student's output in a dry run."""
        seen = set()
        for branch in self.branches:
            if branch.student_key not in seen:
                seen.add(branch.student_key)
                with torch.no_grad():
                    yield branch, self.student_records(branch.student_key)[OUTPUT]

    @torch.no_grad()
    def size_transforms(self, t_records: Dict[str, Any]) -> None:
        """Build each transform, its sizes filled in from the teacher's dry-run values at
        the attach points (``t_records``, by path) and the student's."""
        for branch in self.branches:
            t_value = t_records[branch.teacher_path]
            check_attach_value(t_value, branch, 'teacher', branch.teacher_path)
            s_value = self.student_records(branch.student_key,
                                           {branch.student_path})[branch.student_path]
            check_attach_value(s_value, branch, 'student', branch.student_path)
            s_shape, t_shape = tuple(s_value.shape), tuple(t_value.shape)
            cfg = dict(self._cfgs[branch.key])
            check_type(cfg, f'branch {branch.name} connector')
            cls = MODELS.get(cfg['type'])
            if hasattr(cls, 'sizes'):
                for key, value in cls.sizes(t_shape, s_shape).items():
                    cfg.setdefault(key, value)
            transform = MODELS.build(cfg)
            out = tuple(transform.eval()(t_value).shape)
            if out != s_shape:
                raise BadConfigError(
                    f'branch {branch.name}: the teacher feature at {branch.teacher_path} '
                    f'{t_shape} becomes {out} through {cfg["type"]}, but the student expects '
                    f'{s_shape} at {branch.student_path}; attach at stages of the same '
                    'resolution or add a ResizeConnector')
            self.transforms[branch.key] = transform.train()
        if self.channels_last:  # the layout of the 4-D weights (conv kernels)
            self.to(memory_format=torch.channels_last)

    def forward(self, features: Dict[str, torch.Tensor], inputs: torch.Tensor,
                data_samples: Optional[list]) -> List[Tuple[Branch, Dict[str, Any], Any]]:
        """Run every branch on the teacher ``features`` (by attach path): each branch with
        its student's losses and output tap value."""
        results = []
        for branch in self.branches:
            feature = features[branch.teacher_path]
            if self.channels_last and feature.dim() == 4:
                feature = ChannelsLast.apply(feature)
            feature = self.transforms[branch.key](feature)
            results.append((branch, *self.run_branch(branch, feature, inputs, data_samples)))
        return results

    def run_branch(self, branch: Branch, feature: torch.Tensor, inputs: torch.Tensor,
                   data_samples: Optional[list]) -> Tuple[Dict[str, Any], Any]:
        """One branch pass on its transformed feature: the student's losses and output."""
        student = self.students[branch.student_key]
        if not branch.planned and student.training and torch.is_grad_enabled():
            return self._plan_branch(branch, feature, inputs, data_samples)
        out_tap = self._student_taps[branch.student_key]
        skip = branch.plan.active(student, feature) if branch.plan is not None else \
            injected(student, branch.student_path, feature)
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
                injected(student, branch.student_path, feature), out_tap.recording(student):
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
            with injected(student, branch.student_path, feature), out_tap.recording(student):
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

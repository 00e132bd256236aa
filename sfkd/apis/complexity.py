"""Parameters and FLOPs of a config's model, part by part, through MMEngine's analysis.

FLOPs are counted as MMEngine's ``get_model_complexity_info`` counts them: one
multiply-accumulate is one FLOP, for one input of the given shape (batch 1).

- a plain model: one row;
- a :class:`Distiller`: the student (what is deployed), the frozen teacher and
  the connectors (parameters only: they run on recorded features);
- a :class:`TeacherAlgorithm` (SFTN, SoTeacher): the teacher alone (deployed, without branches),
  each student branch (its transform on the teacher feature plus the whole
  student), and the teacher with its branches. The branch rows count the
  student's modules before and at the attach point too, which a training step
  skips once its first pass has found them: an upper bound on the branch's
  forward work.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import get_model_complexity_info
from torch import nn


@dataclass
class Complexity:
    """One row of the table."""
    part: str
    params: int
    flops: Optional[int]  # None: not measured on its own (runs on recorded features)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def flops_of(module: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> int:
    """FLOPs of ``module(*inputs)`` in eval mode, by MMEngine's analyser."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            info = get_model_complexity_info(module, inputs=inputs, show_table=False,
                                             show_arch=False)
    finally:
        module.train(was_training)
    return int(info['flops'])


def _feature(model: nn.Module, path: str, x: torch.Tensor) -> torch.Tensor:
    found = {}
    handle = model.get_submodule(path).register_forward_hook(
        lambda mod, args, out: found.setdefault('out', out))
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        handle.remove()
    return found['out']


def model_complexity(model: nn.Module, input_shape: Sequence[int]) -> List[Complexity]:
    """The rows of the table for ``model`` on one input of ``input_shape`` (C, H, W)."""
    from sfkd.models.algorithms import Distiller, TeacherAlgorithm
    x = torch.randn(1, *input_shape)
    if isinstance(model, Distiller):
        student, teacher = model.student, model.get_teacher()
        return [Complexity('student', count_params(student), flops_of(student, (x, ))),
                Complexity('teacher', count_params(teacher), flops_of(teacher, (x, ))),
                Complexity('connectors', count_params(model.connectors), None)]
    if isinstance(model, TeacherAlgorithm):
        branches = getattr(model, 'branches', [])  # an SFTN's
        teacher_flops = flops_of(model.teacher, (x, ))
        rows = [Complexity('teacher (without branches)', count_params(model.teacher),
                           teacher_flops)]
        total = teacher_flops
        for branch in branches:
            transform = model.transforms[branch.key]
            student = model.students[branch.student_key]
            feature = _feature(model.teacher, branch.teacher_path, x)
            flops = flops_of(transform, (feature, )) + flops_of(student, (x, ))
            rows.append(Complexity(f'branch {branch.name} (transform + student)',
                                   count_params(transform) + count_params(student), flops))
            total += flops
        if branches:
            rows.append(Complexity('teacher with branches', count_params(model), total))
        return rows
    return [Complexity('model', count_params(model), flops_of(model, (x, )))]


def _short(n: Optional[int]) -> str:
    if n is None:
        return '-'
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if n >= size:
            return f'{n / size:.2f} {unit}'
    return str(n)


def format_table(rows: Sequence[Complexity]) -> str:
    """A small text table: part, parameters, FLOPs (exact and short)."""
    width = max(len('part'), *(len(r.part) for r in rows))
    lines = [f'{"part":<{width}}  {"params":>12}  {"":>9}  {"FLOPs":>14}  {"":>9}']
    for r in rows:
        flops = '-' if r.flops is None else str(r.flops)
        lines.append(f'{r.part:<{width}}  {r.params:>12}  {_short(r.params):>9}  '
                     f'{flops:>14}  {_short(r.flops):>9}')
    return '\n'.join(lines)

"""SFTN: a teacher trained jointly with student branches (Park et al., arXiv:2102.07650)."""
from typing import Any, Dict, List, Optional, Sequence

import torch

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import boolean, number

from ..losses.base import DistillLoss
from ..model_config import build_model
from .branch_skip import map_tensors
from .branches import Branch, StudentBranches
from .loss_check import describe, has_sequence, sequence_error
from .prefix import prefix_losses
from .shared_targets import SharedDenseTargets
from .teacher_algorithm import OUTPUT, TeacherAlgorithm

REDUCTIONS = ('sum', 'mean')


@MODELS.register_module()
class SFTN(TeacherAlgorithm):
    """Student-friendly teacher network: a teacher trained with student branches.

    Each branch (:class:`~.branches.StudentBranches`) takes the teacher's
    feature at an attach point, maps it through a transform and runs the rest
    of a student model from the paired attach point, through the student's
    own head and task loss. The teacher's objective is::

        teacher_weight * task(T)
          + branch_task_weight * r * sum_i task(branch_i)
          + branch_imitation_weight * r * sum_i imitation(branch_i output, T output)
          + regularisers (optional, as in SoTeacher)

    with the imitation loss ``KL_tau(T || branch_i)`` by default, ``r = 1``
    (``branch_reduction='sum'``) or ``r = 1 / n_branches`` (``'mean'``). The
    branch terms' gradients reach the teacher through the transforms (and
    through the teacher output unless ``detach_teacher_in_kl=True``).

    Options that choose between readings of SFTN (README "SFTN options"):

    - ``branch_reduction``: ``'sum'`` (default, the paper's sums over the
      branches) or ``'mean'`` (every branch term divided by the number of
      branches). Each logged branch term carries its factor.
    - ``detach_teacher_in_kl``: ``False`` (default) passes the teacher output
      to the imitation loss as it is, so a loss that does not detach it pulls
      the teacher's output toward its branches too; ``True`` detaches it (the
      term then reaches the teacher only through the branch inputs).
    - ``branch_warmup_epochs``: ``0`` (default) trains the teacher with its
      branches from the first step; ``N > 0`` (fine-tune mode, needs
      ``teacher_ckpt``) trains only the transforms and branch students during
      the first ``N`` epochs, the teacher frozen (eval mode, no gradient, its
      regularisers off); ``N`` must be below the run's ``max_epochs``.
    - ``branch_channels_last``: ``True`` (default) runs the branch passes
      channels-last (on CPUs their narrow convolutions run faster that way); ``False``
      keeps them contiguous. The losses are equal up to float rounding.
    - ``share_student`` (a branch spec key): ``True`` (default) runs one
      student copy for all attach points of a spec (``students.b<k>``);
      ``False`` one copy per attach point (``students.b<k>_<i>``).

    Args:
        teacher: Teacher model config (``cfg_path`` allowed).
        branches: Branch specs, each ``dict(student=<model config>,
            attach=[(teacher_path, student_path), ...], share_student=True,
            connector=None)``; an attach path names a module that returns one
            tensor. At least one.
        output_taps: The imitated outputs, ``dict(teacher=..., student=...)``:
            a module path (``'head.fc'``) or a tap config each.
        imitation_loss: A distill-loss config comparing a branch output
            (``student``) with the teacher output (``teacher``); checked on a
            dry run when the model is built.
        teacher_weight: ``l_T``.
        branch_task_weight: ``l_CE``.
        branch_imitation_weight: ``l_KL``.
        branch_reduction: See above.
        detach_teacher_in_kl: See above.
        branch_warmup_epochs: See above.
        branch_channels_last: See above.
        transform: Default transform config for every attach point.

    The other arguments (``regularizers``, ``teacher_ckpt``, ``teacher_ckpt_hint``,
    ``input_shape``, ``data_preprocessor``, ``init_cfg``) are those of
    :class:`TeacherAlgorithm`.
    """

    def __init__(self,
                 teacher: dict,
                 branches: Sequence[dict] = (),
                 output_taps: Optional[Dict[str, Any]] = None,
                 imitation_loss: Optional[dict] = None,
                 teacher_weight: float = 1.0,
                 branch_task_weight: float = 1.0,
                 branch_imitation_weight: float = 3.0,
                 branch_reduction: str = 'sum',
                 detach_teacher_in_kl: bool = False,
                 branch_warmup_epochs: int = 0,
                 branch_channels_last: bool = True,
                 transform: Optional[dict] = None,
                 regularizers: Optional[Dict[str, dict]] = None,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_hint: Optional[str] = None,
                 input_shape: Sequence[int] = (3, 32, 32),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        self._check_options(branch_reduction, detach_teacher_in_kl, branch_warmup_epochs,
                            teacher_ckpt, branches)
        channels_last = boolean(branch_channels_last, 'model.branch_channels_last',
                                why='whether the branch passes run channels-last')
        super().__init__(teacher, output_taps, regularizers, teacher_weight, teacher_ckpt,
                         teacher_ckpt_hint, input_shape, data_preprocessor, init_cfg,
                         roles=('teacher', 'student'))
        self.branch_channels_last = channels_last
        self._shared_targets: Optional[SharedDenseTargets] = None
        self.branch_reduction = branch_reduction
        self.detach_teacher_in_kl = detach_teacher_in_kl
        self.warmup_epochs = self.branch_warmup_epochs = int(branch_warmup_epochs)
        self.imitation = build_model(
            imitation_loss or dict(type='KDLoss', tau=1.0, detach_teacher=False),
            'model.imitation_loss')
        if not isinstance(self.imitation, DistillLoss):
            raise BadConfigError('imitation_loss must be a distill loss (student, teacher)')
        self.weights.update(task=branch_task_weight, imitation=branch_imitation_weight)
        if not branches:
            raise BadConfigError(
                'SFTN has no branches, so it would train a plain teacher: add model.branches '
                "(e.g. [dict(student=..., attach=[('backbone.layer2', 'backbone.layer2')])]), "
                "use type='SoTeacher' for a teacher with regularizers only, or train the "
                'plain teacher config instead (e.g. '
                'sfkd::baseline/small-resnet_3e_fashion-mnist.py)')
        branch_set = StudentBranches(self.teacher, branches, self.output_taps['student'],
                                     self.input_shape, transform, channels_last)
        # students.* and transforms.* sit at the top of the state dict (the checkpoint
        # layout); the branch set itself is not a submodule, so they are not held twice
        self.students, self.transforms = branch_set.students, branch_set.transforms
        object.__setattr__(self, 'branch_set', branch_set)
        t_records = self.teacher_records(branch_set.teacher_paths())
        self._check_outputs(t_records[OUTPUT])
        branch_set.size_transforms(t_records)
        self.record_teacher()

    @property
    def branches(self) -> List[Branch]:
        """The branches, one per attach point."""
        return self.branch_set.branches

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

    def _check_outputs(self, t_out: Any) -> None:
        """The regularisers and the imitation loss must take the teacher output."""
        self.check_regularizers(t_out)
        for branch, s_out in self.branch_set.student_outputs():
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

    def teacher_paths(self) -> set:
        return self.branch_set.teacher_paths()

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list]) -> Dict[str, Any]:
        """The step's losses; dense heads laid out alike assign their targets once
        (:class:`~.shared_targets.SharedDenseTargets`)."""
        if self._shared_targets is None:  # the heads are found once, at the first step
            self._shared_targets = SharedDenseTargets([self.teacher, *self.students.values()])
        with self._shared_targets:
            return super().loss(inputs, data_samples)

    def extra_losses(self, inputs: torch.Tensor, data_samples: Optional[list],
                     records: Dict[str, Any]) -> Dict[str, Any]:
        """The branch task and imitation terms, each times its weight and reduction."""
        scale = 1.0 / len(self.branches) if self.branch_reduction == 'mean' else 1.0
        t_out = records[OUTPUT]
        t_kl = map_tensors(t_out, torch.Tensor.detach) if self.detach_teacher_in_kl else t_out
        losses = {}
        for branch, branch_losses, s_out in self.branch_set(records, inputs, data_samples):
            losses.update(prefix_losses(branch_losses, f'student.{branch.name}',
                                        self.weights['task'] * scale))
            imitation = self.imitation(student=s_out, teacher=t_kl)
            losses[f'distill.{branch.name}.loss_imitation'] = \
                self.weights['imitation'] * scale * imitation
        return losses

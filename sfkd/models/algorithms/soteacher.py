"""SoTeacher: a teacher trained with student-oriented regularisers (Dong et al.,
arXiv:2206.06661)."""
from typing import Any, Dict, Optional, Sequence

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from .teacher_algorithm import OUTPUT, TeacherAlgorithm


@MODELS.register_module()
class SoTeacher(TeacherAlgorithm):
    """A teacher trained with regularisers that make it a better teacher.

    The objective is ``teacher_weight * task(T) + sum of the regularisers``,
    each regulariser (:class:`LipschitzRegularizer`,
    :class:`ConsistencyRegularizer`, or any
    :class:`~sfkd.models.regularizers.base.TeacherRegularizer`) a component
    logged as ``teacher.loss_<name>``; the regularisers read the run's
    progress (see :class:`TeacherAlgorithm`). Student branches are
    :class:`SFTN`'s, which takes the same regularisers next to its branches.

    Args:
        teacher: Teacher model config (``cfg_path`` allowed).
        regularizers: ``{name: regulariser config}``, at least one.
        output_taps: The teacher output the regularisers take,
            ``dict(teacher='head.fc')`` by default (a ``student`` key, as an SFTN
            config has, is allowed and unused).
        teacher_weight: Weight of the teacher's task loss.

    The other arguments (``teacher_ckpt``, ``teacher_ckpt_hint``, ``input_shape``,
    ``data_preprocessor``, ``init_cfg``) are those of :class:`TeacherAlgorithm`.
    """

    def __init__(self,
                 teacher: dict,
                 regularizers: Optional[Dict[str, dict]] = None,
                 output_taps: Optional[Dict[str, Any]] = None,
                 teacher_weight: float = 1.0,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_hint: Optional[str] = None,
                 input_shape: Sequence[int] = (3, 32, 32),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        roles = ('teacher', 'student') if output_taps and 'student' in output_taps \
            else ('teacher', )
        super().__init__(teacher, output_taps, regularizers, teacher_weight, teacher_ckpt,
                         teacher_ckpt_hint, input_shape, data_preprocessor, init_cfg,
                         roles=roles)
        if not self.regularizers:
            raise BadConfigError(
                'SoTeacher has no regularizers, so it would train a plain teacher: add '
                "model.regularizers (e.g. dict(lipschitz=dict(type='LipschitzRegularizer', "
                "mode='l1', weight=1e-5))), use type='SFTN' for a teacher with student "
                'branches, or train the plain teacher config instead (e.g. '
                'sfkd::baseline/small-resnet_3e_fashion-mnist.py)')
        self.check_regularizers(self.teacher_records()[OUTPUT])
        self.record_teacher()

"""Write a student-only checkpoint that loads into the plain student model."""
import os.path as osp

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from sfkd.engine.student_export import save_student
from sfkd.registry import HOOKS


@HOOKS.register_module()
class ExportStudentHook(Hook):
    """After training, save ``<work_dir>/<filename>`` with the student's weights only.

    The file is an ordinary MMEngine-style checkpoint (``state_dict`` + ``meta``)
    without the ``student.`` prefix, so the plain student config (mmpretrain,
    mmdet, mmseg or sfkd) loads it with ``load_from`` or ``tools/test.py``.

    Args:
        filename: File name inside the work dir.
    """

    priority = 'VERY_LOW'

    def __init__(self, filename: str = 'student_final.pth') -> None:
        self.filename = filename

    @master_only
    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'student_state_dict'):
            runner.logger.warning('ExportStudentHook: the model has no student; nothing exported')
            return
        path = osp.join(runner.work_dir, self.filename)
        save_student(model.student_state_dict(), path,
                     meta=dict(epoch=runner.epoch, iter=runner.iter,
                               dataset_meta=getattr(model.student, 'dataset_meta', None)))
        runner.logger.info(f'student-only checkpoint saved to {path}')

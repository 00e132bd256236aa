"""Write a checkpoint of one part of a wrapper model, loadable by the plain model."""
import os.path as osp
from typing import Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from sfkd.engine.submodel_export import save_submodel
from sfkd.registry import HOOKS


@HOOKS.register_module()
class ExportSubmodelHook(Hook):
    """After training, save ``<work_dir>/<part>_final.pth`` with that part's weights only.

    ``part='student'`` exports a Distiller's student, ``part='teacher'`` a
    FriendlyTeacher's teacher (branches and regularisers stripped). The file is
    an ordinary MMEngine-style checkpoint (``state_dict`` + ``meta``) without
    the part's prefix, so the plain model config (mmpretrain, mmdet, mmseg or
    sfkd) loads it, and a friendly teacher goes into any distillation config as
    ``teacher_ckpt``. It is written after the last epoch: the *last* teacher is
    the one SoTeacher distils.

    ``part=None`` exports the whole model: a plain teacher config can write its
    final weights as ``teacher_final.pth`` too, the file name a wrapped
    teacher hands on.

    Args:
        part: Attribute of the model to export (``student`` or ``teacher``;
            a dotted path such as ``students.b0`` reaches deeper), or None for
            the whole model.
        filename: File name in the work dir (default ``<part>_final.pth``,
            ``model_final.pth`` for the whole model).
    """

    priority = 'VERY_LOW'

    def __init__(self, part: Optional[str] = 'student', filename: Optional[str] = None) -> None:
        self.part = part
        self.filename = filename or f'{part or "model"}_final.pth'

    @master_only
    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        submodel = model
        for name in (self.part.split('.') if self.part else []):
            submodel = getattr(submodel, name, None)
        if submodel is None or not hasattr(submodel, 'state_dict'):
            runner.logger.warning(f'ExportSubmodelHook: {type(model).__name__} has no '
                                  f'{self.part!r}; nothing exported')
            return
        path = osp.join(runner.work_dir, self.filename)
        save_submodel(submodel.state_dict(), path,
                     meta=dict(epoch=runner.epoch, iter=runner.iter, part=self.part or 'model',
                               dataset_meta=getattr(submodel, 'dataset_meta', None)))
        runner.logger.info(f'{self.part}-only checkpoint saved to {path}' if self.part else
                           f'final model weights saved to {path}')

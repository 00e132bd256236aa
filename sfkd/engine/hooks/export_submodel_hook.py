"""Write a checkpoint of one part of a wrapper model, loadable by the plain model."""
import os.path as osp
from typing import Optional, Set

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from sfkd.engine.submodel_export import save_submodel, untrained_keys
from sfkd.registry import HOOKS


def dataset_meta_of(runner, submodel: nn.Module) -> Optional[dict]:
    """The ``metainfo`` of the run's train dataset (its classes, palette), which MMEngine's
    own checkpoints carry as ``meta['dataset_meta']``; else the model's ``dataset_meta``."""
    try:
        meta = getattr(runner.train_dataloader.dataset, 'metainfo', None)
    except Exception:  # noqa: BLE001 - no train data: a run that only tested
        meta = None
    meta = meta or getattr(submodel, 'dataset_meta', None)
    return dict(meta) if meta else None


@HOOKS.register_module()
class ExportSubmodelHook(Hook):
    """After training, save ``<work_dir>/<part>_final.pth`` with that part's weights only.

    ``part='student'`` exports a Distiller's student, ``part='teacher'`` the
    teacher of an SFTN or SoTeacher (branches and regularisers stripped). The file is
    an ordinary MMEngine-style checkpoint (``state_dict`` + ``meta``) without
    the part's prefix, so the plain model config (mmpretrain, mmdet, mmseg or
    sfkd) loads it. Its ``meta['dataset_meta']`` is the train dataset's
    ``metainfo`` (class names, palette), as in MMEngine's own checkpoints: the
    libraries' ``init_detector``/``init_model`` read the classes from it. A
    friendly teacher goes into any distillation config as ``teacher_ckpt``. It
    is written after the last epoch: the *last* teacher is the one SoTeacher
    distils.

    ``part=None`` exports the whole model: a plain teacher config can write its
    final weights as ``teacher_final.pth`` too, the file name a wrapped
    teacher hands on.

    ``trained_only=True`` exports only what training reached: the hook marks
    every parameter of the part that receives a gradient, and leaves out the
    parameters that never did and the buffers of modules none of whose
    parameters did (e.g. BatchNorm statistics of an untrained stage). Their
    keys go into ``meta['never_trained']``, which
    :func:`~sfkd.utils.checkpoint_io.load_mapped_weights` (the Distiller's
    ``student_init``) reports as "never trained in the teacher run". This is
    the export of an SFTN branch student (``part='students.b0'``), whose
    stages before its first attach point run but never get a gradient. The
    marks are kept in the run's checkpoints, so a resumed run keeps them.

    Args:
        part: Attribute of the model to export (``student`` or ``teacher``;
            a dotted path such as ``students.b0`` reaches deeper), or None for
            the whole model.
        filename: File name in the work dir (default ``<part>_final.pth``,
            ``model_final.pth`` for the whole model).
        trained_only: Leave out what never received a gradient (above).
    """

    priority = 'VERY_LOW'

    def __init__(self, part: Optional[str] = 'student', filename: Optional[str] = None,
                 trained_only: bool = False) -> None:
        self.part = part
        self.filename = filename or f'{part or "model"}_final.pth'
        self.trained_only = bool(trained_only)
        self.trained: Set[str] = set()
        self._handles = []

    @property
    def _meta_key(self) -> str:
        return f'trained_params.{self.filename}'

    def _submodel(self, runner) -> Optional[nn.Module]:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        submodel = model
        for name in (self.part.split('.') if self.part else []):
            submodel = getattr(submodel, name, None)
        return submodel if hasattr(submodel, 'state_dict') else None

    def before_train(self, runner) -> None:
        submodel = self._submodel(runner) if self.trained_only else None
        if submodel is None:
            return
        for name, param in submodel.named_parameters():
            if param.requires_grad:
                self._handles.append(param.register_hook(self._marker(name)))

    def _marker(self, name: str):
        def mark(grad):
            self.trained.add(name)
            return grad
        return mark

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.trained_only:
            checkpoint.setdefault('meta', {})[self._meta_key] = sorted(self.trained)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.trained_only:
            self.trained |= set(checkpoint.get('meta', {}).get(self._meta_key, []))

    @master_only
    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        submodel = self._submodel(runner)
        if submodel is None:
            runner.logger.warning(f'ExportSubmodelHook: {type(model).__name__} has no '
                                  f'{self.part!r}; nothing exported')
            return
        state = submodel.state_dict()
        meta = dict(epoch=runner.epoch, iter=runner.iter, part=self.part or 'model',
                    dataset_meta=dataset_meta_of(runner, submodel))
        if self.trained_only:
            never = untrained_keys(submodel, self.trained)
            state = {k: v for k, v in state.items() if k not in never}
            meta['never_trained'] = sorted(never)
        path = osp.join(runner.work_dir, self.filename)
        save_submodel(state, path, meta=meta)
        runner.logger.info(f'{self.part}-only checkpoint saved to {path}' if self.part else
                           f'final model weights saved to {path}')
        if self.trained_only and meta['never_trained']:
            runner.logger.info(f'{path}: {len(meta["never_trained"])} tensors never received '
                               'a gradient in this run and are left out')

"""The teacher run on each batch: frozen (stopped after its last tap) or trained."""
from typing import Any, Dict, Union

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.checkpoint_io import load_weights
from sfkd.utils.errors import BadConfigError

from ..model_config import build_model
from ..taps import TapsComplete, dry_run
from .base import TeacherSource
from .renormalize import teacher_input_adapter


@MODELS.register_module()
class LiveTeacher(TeacherSource):
    """Runs the teacher on the student's inputs at every step.

    A frozen teacher is kept out of the Distiller's module tree (not in the
    optimiser, not in checkpoints, never wrapped by DDP), stays in eval mode
    (BatchNorm included) and runs with no gradient. Its forward pass stops as
    soon as every teacher tap has recorded (the rest of it would feed nothing,
    e.g. a detector's head behind tapped FPN levels), when the build-time dry
    run shows that this changes no recorded value: each teacher tap records
    once per pass and no later in-place operation alters what it recorded
    (see :class:`~sfkd.models.taps.TapsComplete`).

    A trainable teacher is the Distiller's submodule ``teacher``; it runs
    whole in ``loss`` mode and its losses are logged as ``teacher.<name>``.

    The teacher sees the batch its own data preprocessor would have made: when
    its normalisation or channel order is not that of the preprocessor that
    made the student's batch, an
    :class:`~sfkd.models.teacher_sources.renormalize.InputAdapter` maps the
    batch (checked when the Distiller is built; preprocessors that pad to
    other sizes are refused). A source that makes the teacher's inputs itself
    (:class:`TransformedInputs`) turns this off.

    Args:
        teacher: Teacher model config (``cfg_path`` allowed) or module.
        ckpt: Teacher weights; required unless ``trainable`` or the model
            config loads pretrained weights itself.
        ckpt_hint: The command that writes ``ckpt``; the error for a missing
            file names it.
        trainable: Train the teacher with the student.
        where: The config key of the teacher, named in errors (one of
            several teachers: ``model.teachers.<name>``, whose weights are
            its ``.ckpt``).
    """

    def __init__(self, teacher: Union[dict, nn.Module], ckpt: str = None,
                 ckpt_hint: str = None, trainable: bool = False,
                 where: str = 'model.teacher') -> None:
        model = build_model(teacher, where)
        single = where == 'model.teacher'
        option = 'model.teacher_ckpt' if single else f'{where}.ckpt'
        if ckpt is not None:
            load_weights(model, ckpt, owner='teacher' if single else where, made_by=ckpt_hint,
                         option=option)
            model._is_init = True  # the Runner's init_weights() must not draw it afresh
        elif not trainable and not getattr(model, 'pretrained_from', None):
            raise BadConfigError(f'{option[6:]} is required for a frozen teacher: set '
                                 f'{option} to the checkpoint of a trained teacher')
        self.where = where
        self.trainable = trainable
        self.model = model if trainable else model.eval().requires_grad_(False)
        self.stops_early = False  # set by the dry run
        self.adapt_inputs = True  # off when another source makes the teacher's inputs
        self.input_adapter = None  # set by check()

    def teacher(self) -> nn.Module:
        return self.model

    def owned_modules(self) -> Dict[str, nn.Module]:
        return {'teacher': self.model} if self.trainable else {}

    def frozen_modules(self):
        return [] if self.trainable else [self.model]

    def check(self, distiller) -> None:
        distiller.teacher_taps.check(self.model)
        if self.adapt_inputs:
            own = distiller.data_preprocessor is getattr(distiller.student, 'data_preprocessor',
                                                         None)
            self.input_adapter = teacher_input_adapter(
                distiller.data_preprocessor, self.model,
                student_key='model.student.data_preprocessor' if own
                else 'model.data_preprocessor', teacher_key=f'{self.where}.data_preprocessor')

    def dry_run(self, taps, input_shape) -> Dict[str, Any]:
        records = dry_run(self.model, taps, input_shape)
        # that pass recorded the taps over one whole forward pass
        self.stops_early = not self.trainable and taps.kept_first_records()
        return records

    def records(self, taps, inputs, data_samples, losses) -> None:
        from ..algorithms.prefix import prefix_losses
        if self.input_adapter is not None:
            inputs = self.input_adapter(inputs, data_samples)
        with taps.recording(self.model, self.stops_early):
            if self.trainable:
                losses.update(prefix_losses(self.model(inputs, data_samples, mode='loss'),
                                            'teacher'))
                return
            with torch.no_grad():
                try:
                    self.model(inputs, data_samples, mode='tensor')
                except TapsComplete:  # every tap has its value: the rest is not needed
                    pass

    def cacheable(self):
        if self.trainable:
            return 'its teacher is trained (teacher_trainable=True), so its outputs change'
        return None

"""A teacher that sees inputs made from the batch, not the student's (LW-KD)."""
from typing import Union

import torch
from torch import nn

from sfkd.registry import MODELS

from ..model_config import build_model
from .base import TeacherSource, WrappedSource


@MODELS.register_module()
class TransformedInputs(WrappedSource):
    """Runs ``source`` on ``transform(inputs, data_samples)`` instead of the
    student's inputs, e.g. with
    :class:`~sfkd.models.teacher_inputs.ClassConditionalInputs` (LW-KD: the
    teacher sees synthetic images of each sample's class).

    The transform is the Distiller's submodule ``teacher_inputs`` and runs
    with no gradient. If it has ``check(student, teacher, input_shape)``, that
    runs when the Distiller is built, before any other check; if it has
    ``input_shape``, the teacher's dry run uses it.

    Args:
        source: The source that runs the teacher (a :class:`LiveTeacher` or its config).
        transform: Module config (or module) called as ``transform(inputs, data_samples)``.
    """

    def __init__(self, source: Union[TeacherSource, dict],
                 transform: Union[dict, nn.Module]) -> None:
        super().__init__(source if isinstance(source, TeacherSource) else MODELS.build(source))
        if hasattr(self.source, 'adapt_inputs'):
            self.source.adapt_inputs = False  # the transform makes the teacher's inputs
        self.transform = build_model(transform, 'model.teacher_inputs')

    def owned_modules(self):
        return {**self.source.owned_modules(), 'teacher_inputs': self.transform}

    def check(self, distiller) -> None:
        # first: a synthetic set whose class count is not the student's is its own
        # error, not a loss's shape mismatch for a connector to adapt
        if hasattr(self.transform, 'check'):
            self.transform.check(distiller.student, self.teacher(), distiller.input_shape)
        self.source.check(distiller)

    def dry_run(self, taps, input_shape):
        return self.source.dry_run(taps, getattr(self.transform, 'input_shape', None)
                                   or input_shape)

    def records(self, taps, inputs, data_samples, losses) -> None:
        with torch.no_grad():
            inputs = self.transform(inputs, data_samples)
        self.source.records(taps, inputs, data_samples, losses)

    def cacheable(self):
        return self.source.cacheable() or \
            'model.teacher_inputs makes new teacher inputs at every step'

"""LW-KD's class-conditional soft targets: the teacher sees synthetic images of each label."""
from typing import Optional, Sequence

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number


@MODELS.register_module()
class ClassConditionalInputs(nn.Module):
    """For a target sample of class ``y``, a random synthetic image of class ``y``.

    LW-KD ("Learning from a Lightweight Teacher for Efficient Knowledge
    Distillation", Y. Liu, W. Zhang and J. Wang, arXiv:2005.09163) trains its
    teacher on a synthesised simple data set with the target's classes, and the soft
    target of a target sample of class ``y`` is the teacher's output on
    synthetic samples of class ``y``. Given to a
    :class:`~sfkd.models.algorithms.Distiller` as ``teacher_inputs``, this
    module replaces the teacher's batch: every sample's image becomes one
    drawn at random from a bank of ``samples_per_class`` rendered images of
    its class (:mod:`sfkd.utils.digit_images`, from ``seed``), so the
    soft targets vary from step to step, unlike teacher-free KD's fixed
    ones. The teacher's taps then record its outputs on those images and the
    distill losses use them as usual.

    The images are normalised by the teacher's data preprocessor's ``mean``
    and ``std`` (read when the distiller is built).

    Args:
        num_classes: Number of classes of the synthetic set; it must equal
            the target data set's (the student's and the teacher's outputs).
        samples_per_class: Bank size per class. Defaults to 32.
        seed: Seed of the bank; use one the teacher was not trained on.
        image_size: Side of the synthetic images. Defaults to 28.
        channels: Channels the teacher takes (grey images are repeated).
    """

    def __init__(self, num_classes: int, samples_per_class: int = 32, seed: int = 12345,
                 image_size: int = 28, channels: int = 1) -> None:
        super().__init__()
        from sfkd.utils.digit_images import render_digits
        self.num_classes = number(num_classes, 'teacher_inputs.num_classes', at_least=2,
                                  integer=True)
        per_class = number(samples_per_class, 'teacher_inputs.samples_per_class', at_least=1,
                           integer=True)
        channels = number(channels, 'teacher_inputs.channels', at_least=1, integer=True)
        labels = torch.arange(self.num_classes).repeat_interleave(per_class)
        images, _ = render_digits(self.num_classes, len(labels), seed, image_size,
                                  labels=labels.numpy())
        bank = torch.from_numpy(images).float().view(self.num_classes, per_class, 1,
                                                     image_size, image_size)
        self.register_buffer('bank', bank.expand(-1, -1, channels, -1, -1).contiguous(),
                             persistent=False)
        self.register_buffer('mean', torch.zeros(channels, 1, 1), persistent=False)
        self.register_buffer('std', torch.ones(channels, 1, 1), persistent=False)
        self.input_shape = (channels, image_size, image_size)

    def check(self, student: nn.Module, teacher: Optional[nn.Module],
              student_shape: Sequence[int]) -> None:
        """Take the teacher's normalisation; refuse a class count that is not the models'."""
        if teacher is None:
            raise BadConfigError('model.teacher_inputs needs a teacher; set model.teacher')
        pre = getattr(teacher, 'data_preprocessor', None)
        for name in ('mean', 'std'):
            value = getattr(pre, name, None)
            if isinstance(value, torch.Tensor):
                getattr(self, name).copy_(value.detach().reshape(-1, 1, 1).expand_as(
                    getattr(self, name)))
        width = self._output_width(student, student_shape)
        teacher_width = self._output_width(teacher, self.input_shape)
        if width is not None and width != self.num_classes == teacher_width:
            raise BadConfigError(
                f'model.teacher_inputs: the synthetic set and the teacher have {self.num_classes} '
                f'classes but the student predicts {width}; the three need the target data '
                f"set's class count: if it has {width}, set model.teacher_inputs.num_classes="
                f'{width} and train the teacher on SyntheticDigits(num_classes={width}), else '
                f'give the student {self.num_classes} classes (e.g. '
                f'model.student.head.num_classes={self.num_classes})')
        if width is not None and width != self.num_classes:
            raise BadConfigError(
                f'model.teacher_inputs: the synthetic set has {self.num_classes} classes but the '
                f'student predicts {width}; the synthetic set needs the target data set\'s class '
                f'count: set model.teacher_inputs.num_classes={width} and train the teacher on '
                f'SyntheticDigits(num_classes={width})')
        if teacher_width is not None and teacher_width != self.num_classes:
            raise BadConfigError(
                f'model.teacher_inputs: the synthetic set has {self.num_classes} classes but the '
                f'teacher predicts {teacher_width}; train the teacher on '
                f'SyntheticDigits(num_classes={self.num_classes})')

    @staticmethod
    @torch.no_grad()
    def _output_width(model: nn.Module, shape: Sequence[int]) -> Optional[int]:
        was_training = model.training
        model.eval()
        try:
            out = model(torch.zeros(2, *shape), None, mode='tensor')
        except Exception:  # noqa: BLE001 - not a classifier of this input: nothing to check
            return None
        finally:
            model.train(was_training)
        return out.shape[1] if isinstance(out, torch.Tensor) and out.dim() == 2 else None

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list]) -> torch.Tensor:
        """Synthetic, normalised teacher inputs for the labels of ``data_samples``."""
        if data_samples is None:
            raise BadConfigError('ClassConditionalInputs needs the data samples (their labels)')
        labels = torch.cat([torch.as_tensor(s.gt_label).reshape(-1) for s in data_samples])
        labels = labels.to(self.bank.device).long()
        if labels.numel() != inputs.shape[0] or labels.max() >= self.num_classes:
            raise BadConfigError(f'ClassConditionalInputs: labels {labels.tolist()[:8]}... do not '
                                 f'fit its {self.num_classes} classes; set '
                                 'model.teacher_inputs.num_classes to the target set\'s')
        pick = torch.randint(self.bank.shape[1], (labels.numel(), ), device=self.bank.device)
        images = self.bank[labels, pick]
        return (images - self.mean) / self.std

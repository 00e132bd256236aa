"""A student's batch turned into the batch the teacher's own data preprocessor would make.

A Distiller's batch comes out of one data preprocessor, the student's (or the
Distiller's own ``data_preprocessor``). A teacher trained with another
normalisation or channel order would see inputs it was never trained on;
:class:`InputAdapter` maps the batch back to raw pixel values and on into the
teacher's normalisation, and :func:`teacher_input_adapter` builds one when the
two preprocessors differ.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseDataPreprocessor
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

PreprocessorLike = Union[dict, nn.Module, None]
# names of the flag that swaps BGR and RGB: MMEngine's ImgDataPreprocessor (and
# mmdet's DetDataPreprocessor), mmseg's SegDataPreProcessor, mmpretrain's ClsDataPreprocessor
SWAP_FLAGS = ('_channel_conversion', 'channel_conversion', 'to_rgb')
NO_PADDING = ('multiple', 1)


def build_preprocessor(cfg: PreprocessorLike, where: str) -> nn.Module:
    """A data preprocessor from a module, a config dict or ``None`` (MMEngine's
    :class:`~mmengine.model.BaseDataPreprocessor`, which only casts the batch)."""
    if cfg is None:
        return BaseDataPreprocessor()
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise BadConfigError(f"{where} must be a data preprocessor config with a `type` (e.g. "
                             f"dict(type='mmdet.DetDataPreprocessor', ...)), got {cfg!r}")
    try:
        return MODELS.build(cfg)
    except (KeyError, TypeError, ValueError, AssertionError) as err:
        message = str(err.args[0]) if err.args else type(err).__name__
        raise BadConfigError(f'{where}: {message}') from None


def _stat(value: Any) -> torch.Tensor:
    return torch.as_tensor(value, dtype=torch.float32).detach().cpu().reshape(-1, 1, 1)


def _plan(size: Optional[Sequence[int]], divisor: Optional[int]) -> tuple:
    return ('size', tuple(size)) if size is not None else ('multiple', int(divisor or 1))


class Reading:
    """What a data preprocessor does to raw images, read from its attributes.

    Every preprocessor of MMEngine, mmpretrain, mmdet and mmseg (and any
    subclass) reads the same way: it swaps BGR and RGB when its channel flag
    is set (3-channel images only), normalises as ``(x - mean) / std`` when it
    has ``mean`` and ``std`` (buffers of shape ``(C, 1, 1)``), then pads, in
    normalised units, with ``pad_value`` (mmseg: ``pad_val``). Its geometry is
    where it pads to: a multiple of ``pad_size_divisor``, or for mmseg a
    fixed ``size`` or a multiple of ``size_divisor`` in training and what its
    ``test_cfg`` says in testing. A preprocessor with none of these
    attributes takes raw values.
    """

    def __init__(self, preprocessor: nn.Module) -> None:
        self.type = type(preprocessor).__name__
        self.mean, self.std = self._normalisation(preprocessor)
        self.swaps = next((bool(getattr(preprocessor, name)) for name in SWAP_FLAGS
                           if hasattr(preprocessor, name)), False)
        value = getattr(preprocessor, 'pad_value', getattr(preprocessor, 'pad_val', 0))
        self.pad_value = float(value if value is not None else 0)
        self.training_pad, self.testing_pad, self.settings = self._padding(preprocessor)

    @staticmethod
    def _normalisation(pre: nn.Module) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
        mean, std = getattr(pre, 'mean', None), getattr(pre, 'std', None)
        if getattr(pre, '_enable_normalize', True) is False or mean is None or std is None:
            return None, None
        return _stat(mean), _stat(std)

    @staticmethod
    def _padding(pre: nn.Module) -> Tuple[tuple, tuple, Dict[str, Any]]:
        if hasattr(pre, 'pad_size_divisor'):
            divisor = int(pre.pad_size_divisor or 1)
            return ('multiple', divisor), ('multiple', divisor), {'pad_size_divisor': divisor}
        if hasattr(pre, 'size_divisor') or hasattr(pre, 'size'):
            size, divisor = getattr(pre, 'size', None), getattr(pre, 'size_divisor', None)
            test_cfg = dict(getattr(pre, 'test_cfg', None) or {})
            settings = {'size': None if size is None else tuple(size), 'size_divisor': divisor}
            if test_cfg:
                settings['test_cfg'] = test_cfg
            return (_plan(size, divisor), _plan(test_cfg.get('size'), test_cfg.get('size_divisor')),
                    settings)
        return NO_PADDING, NO_PADDING, {}

    def normalises_like(self, other: 'Reading') -> bool:
        """Whether both map a raw image to the same values (padding aside)."""
        def same(a, b):
            return (a is None and b is None) or (
                a is not None and b is not None and a.shape == b.shape and torch.equal(a, b))
        return self.swaps == other.swaps and same(self.mean, other.mean) and \
            same(self.std, other.std)

    def raw(self, values: torch.Tensor) -> torch.Tensor:
        """Undo the normalisation (not the channel swap) of ``values`` (``(C, 1, 1)`` or more)."""
        if self.mean is None:
            return values
        return values * self.std.to(values.device) + self.mean.to(values.device)

    def normalise(self, raw: torch.Tensor) -> torch.Tensor:
        """Normalise raw values already in this preprocessor's channel order."""
        if self.mean is None:
            return raw
        return (raw - self.mean.to(raw.device)) / self.std.to(raw.device)

    def describe_padding(self) -> str:
        """E.g. ``pads to a multiple of 32 (pad_size_divisor=32)``."""
        def words(plan):
            if plan[0] == 'size':
                return f'pads to {plan[1][0]}x{plan[1][1]}'
            return f'pads to a multiple of {plan[1]}' if plan[1] > 1 else 'does not pad'
        text = words(self.training_pad)
        if self.testing_pad != self.training_pad:
            text = f'{text} in training and {words(self.testing_pad)} in testing'
        settings = ', '.join(f'{k}={v!r}' for k, v in self.settings.items())
        return f'{text} ({settings})' if settings else text


@MODELS.register_module()
class InputAdapter(nn.Module):
    """Maps a batch normalised for the student to the batch the teacher's own
    data preprocessor would have made of the same raw images.

    The student's preprocessor made ``x = (P_s v - mean_s) / std_s`` of a raw
    image ``v`` (``P_s``: its BGR/RGB swap, if any); the teacher's makes
    ``(P_t v - mean_t) / std_t``. The adapter undoes the student's
    normalisation, swaps the channels when exactly one of the two swaps them
    (3-channel batches only, as the preprocessors do), and applies the
    teacher's normalisation; a teacher without ``mean``/``std`` gets raw
    values. Padding added by the student's preprocessor (right and bottom of
    each image, outside the ``img_shape`` its data sample carries) is refilled
    with the teacher's ``pad_value`` when the two pad values differ in raw
    terms; without data samples (the Distiller's dry run) the padding is
    mapped like any pixel.

    The two must give images the same geometry (where they pad to), so the
    teacher sees the image sizes it was trained on; a difference is refused
    when the adapter is built. Batch augments are not compared: the teacher's
    run only when its preprocessor is called in training, which a Distiller
    never does, and the student's (Mixup, CutMix, ResizeMix, batch resizing)
    blend pixels with weights that sum to one, which commutes with the
    per-channel affine map, so the teacher sees the student's augmented images
    in its own normalisation.

    With the same normalisation, channel order and pad value, ``forward``
    returns its input unchanged (the same tensor).

    Args:
        student_preprocessor: The data preprocessor that made the batch, a
            module or a config (``None``: MMEngine's ``BaseDataPreprocessor``).
        teacher_preprocessor: The teacher's own data preprocessor, likewise.
        student_key: Config key of the first, named in errors.
        teacher_key: Config key of the second, named in errors.
    """

    def __init__(self,
                 student_preprocessor: PreprocessorLike,
                 teacher_preprocessor: PreprocessorLike,
                 student_key: str = 'model.student.data_preprocessor',
                 teacher_key: str = 'model.teacher.data_preprocessor') -> None:
        super().__init__()
        self.student = Reading(build_preprocessor(student_preprocessor, student_key))
        self.teacher = Reading(build_preprocessor(teacher_preprocessor, teacher_key))
        check_geometry(self.student, self.teacher, student_key, teacher_key)
        self.swap = self.student.swaps != self.teacher.swaps
        self.refills_padding = not self._same_padding()
        self.is_identity = self.student.normalises_like(self.teacher) and \
            not self.refills_padding

    def _same_padding(self) -> bool:
        """Whether the student's pad value, mapped, is the teacher's pad value."""
        mapped = self._map(torch.full((1, 3, 1, 1), self.student.pad_value))
        return torch.allclose(mapped, torch.full_like(mapped, self.teacher.pad_value))

    def _map(self, inputs: torch.Tensor) -> torch.Tensor:
        raw = self.student.raw(inputs.float())
        if self.swap and raw.shape[1] == 3:
            raw = raw.flip(1)
        return self.teacher.normalise(raw)

    def forward(self, inputs: torch.Tensor,
                data_samples: Optional[Sequence[Any]] = None) -> torch.Tensor:
        """The teacher's inputs for the student's ``inputs`` (``N x C x H x W``)."""
        if self.is_identity:
            return inputs
        out = self._map(inputs)
        if self.refills_padding and data_samples:
            if out is inputs:
                out = out.clone()
            for image, (height, width) in zip(out, image_shapes(data_samples, out.shape[-2:])):
                image[:, height:, :] = self.teacher.pad_value
                image[:, :, width:] = self.teacher.pad_value
        return out

    def extra_repr(self) -> str:
        return (f'student={self.student.type}, teacher={self.teacher.type}, swap={self.swap}, '
                f'identity={self.is_identity}')


def image_shapes(data_samples: Sequence[Any], batch_shape: Sequence[int]) -> List[Tuple[int, int]]:
    """``(height, width)`` of each image before padding: its ``img_shape``, else the batch's."""
    shapes = []
    for sample in data_samples:
        meta = sample if isinstance(sample, dict) else getattr(sample, 'metainfo', {})
        shape = meta.get('img_shape') if hasattr(meta, 'get') else None
        shapes.append(tuple(int(s) for s in shape[:2]) if shape is not None
                      else tuple(int(s) for s in batch_shape))
    return shapes


def check_geometry(student: Reading, teacher: Reading, student_key: str,
                   teacher_key: str) -> None:
    """Refuse two preprocessors that pad images to different sizes."""
    if (student.training_pad, student.testing_pad) == (teacher.training_pad,
                                                       teacher.testing_pad):
        return
    if student.settings.keys() == teacher.settings.keys():
        fix = (f"{', '.join(f'{student_key}.{k}={v!r}' for k, v in teacher.settings.items())} "
               f"or {', '.join(f'{teacher_key}.{k}={v!r}' for k, v in student.settings.items())}")
    else:
        fix = f'the same padding settings in {student_key} and {teacher_key}'
    raise BadConfigError(
        f"{teacher_key}: the teacher's data preprocessor {teacher.describe_padding()} but the "
        f"student's {student.describe_padding()}, so the teacher would not see the image sizes "
        f'it was trained on; give both the same geometry ({fix})')


def _preprocessor_of(model: Union[nn.Module, dict, None]) -> Optional[nn.Module]:
    if model is None or isinstance(model, (dict, BaseDataPreprocessor)):
        return model
    found = getattr(model, 'data_preprocessor', None)
    # MMEngine gives a model configured without one a plain BaseDataPreprocessor (it only
    # moves data to the device): such a teacher declares no preprocessing of its own
    return None if type(found) is BaseDataPreprocessor else found


def teacher_input_adapter(student_model: Union[nn.Module, dict, None],
                          teacher_model: Union[nn.Module, dict, None],
                          student_key: str = 'model.student.data_preprocessor',
                          teacher_key: str = 'model.teacher.data_preprocessor'
                          ) -> Optional[InputAdapter]:
    """An :class:`InputAdapter` from the student's batch to the teacher's, or
    ``None`` when the teacher's preprocessor would make the same batch.

    Each argument is a model (its ``data_preprocessor`` is read) or a data
    preprocessor (module or config); pass the preprocessor that actually makes
    the batch, e.g. a Distiller's ``data_preprocessor``. A model without a
    data preprocessor of its own (MMEngine's plain ``BaseDataPreprocessor``) is
    taken to need nothing (``None``). Two preprocessors
    that pad to different sizes are refused (:class:`BadConfigError`).
    """
    student, teacher = _preprocessor_of(student_model), _preprocessor_of(teacher_model)
    if student is None or teacher is None or student is teacher:
        return None
    adapter = InputAdapter(student, teacher, student_key, teacher_key)
    return None if adapter.is_identity else adapter

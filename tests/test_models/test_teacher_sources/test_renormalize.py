"""InputAdapter: the teacher gets the batch its own data preprocessor would make."""
import copy

import pytest
import torch
from mmengine import DefaultScope

from sfkd.models.teacher_sources.renormalize import InputAdapter, teacher_input_adapter
from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

# raw pixel of a 3-channel image in the loader's (BGR) order
RAW = (40.0, 60.0, 90.0)
SWAPPING_STUDENT = dict(type='ImgDataPreprocessor', mean=[10.0, 20.0, 30.0],
                        std=[2.0, 4.0, 5.0], bgr_to_rgb=True)
TEACHER = dict(type='mmpretrain.ClsDataPreprocessor', mean=[1.0, 2.0, 3.0], std=[1.0, 2.0, 4.0])


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def pixel(*values):
    return torch.tensor(values).reshape(1, len(values), 1, 1)


def preprocess(cfg, raw, training=False):
    return MODELS.build(cfg)(copy.deepcopy(raw), training)


def test_renormalises_and_swaps_channels_exactly():
    # student: swap BGR->RGB (90, 60, 40), then ((90-10)/2, (60-20)/4, (40-30)/5)
    student = pixel(40.0, 10.0, 2.0)
    assert torch.equal(preprocess(SWAPPING_STUDENT, dict(inputs=pixel(*RAW)))['inputs'], student)
    # teacher: no swap, ((40-1)/1, (60-2)/2, (90-3)/4)
    adapter = InputAdapter(SWAPPING_STUDENT, TEACHER)
    assert torch.equal(adapter(student), pixel(39.0, 29.0, 21.75))
    # both swapping: the stats are read in the swapped order, no swap between them
    teacher = dict(TEACHER, to_rgb=True)  # (90-1)/1, (60-2)/2, (40-3)/4
    assert torch.equal(InputAdapter(SWAPPING_STUDENT, teacher)(student), pixel(89.0, 29.0, 9.25))


def test_teacher_without_normalisation_takes_raw_values():
    adapter = InputAdapter(SWAPPING_STUDENT, dict(type='ImgDataPreprocessor'))
    assert torch.equal(adapter(pixel(40.0, 10.0, 2.0)), pixel(*RAW))
    assert torch.equal(InputAdapter(SWAPPING_STUDENT, None)(pixel(40.0, 10.0, 2.0)), pixel(*RAW))


def test_grey_images_take_the_teachers_statistics():
    student = dict(type='mmpretrain.ClsDataPreprocessor', mean=[72.94], std=[90.02], to_rgb=True)
    teacher = dict(type='mmpretrain.ClsDataPreprocessor', mean=[21.68], std=[50.76])
    raw = torch.tensor([0.0, 72.94, 255.0]).reshape(3, 1, 1, 1)
    normalised = preprocess(student, dict(inputs=raw))['inputs']
    out = InputAdapter(student, teacher)(normalised)
    assert torch.allclose(out, (raw - 21.68) / 50.76, atol=1e-6)


def test_same_preprocessing_is_no_adapter():
    same = dict(type='mmpretrain.ClsDataPreprocessor', mean=[72.94], std=[90.02])
    adapter = InputAdapter(same, copy.deepcopy(same))
    batch = torch.randn(2, 1, 4, 4)
    assert adapter.is_identity and adapter(batch) is batch
    assert teacher_input_adapter(MODELS.build(same), MODELS.build(same)) is None
    # an mmdet and an mmseg preprocessor with the same normalisation and no padding
    det = dict(type='mmdet.DetDataPreprocessor', mean=[1.0] * 3, std=[2.0] * 3, bgr_to_rgb=True)
    seg = dict(type='mmseg.SegDataPreProcessor', mean=[1.0] * 3, std=[2.0] * 3, bgr_to_rgb=True)
    assert teacher_input_adapter(MODELS.build(det), MODELS.build(seg)) is None
    assert teacher_input_adapter(MODELS.build(same), MODELS.build(TEACHER)) is not None


def test_teachers_batch_augments_are_not_a_difference():
    mixup = dict(augments=[dict(type='Mixup', alpha=0.2)])
    student = dict(type='mmpretrain.ClsDataPreprocessor', mean=[72.94], std=[90.02],
                   num_classes=10)
    teacher = dict(student, batch_augments=mixup)
    assert teacher_input_adapter(MODELS.build(student), MODELS.build(teacher)) is None


def test_a_different_padding_is_refused_in_one_line():
    student = dict(type='mmpretrain.ClsDataPreprocessor', mean=[0.0] * 3, std=[1.0] * 3)
    teacher = dict(type='mmdet.DetDataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3,
                   pad_size_divisor=32)
    with pytest.raises(BadConfigError) as err:
        teacher_input_adapter(MODELS.build(student), MODELS.build(teacher))
    assert str(err.value) == (
        "model.teacher.data_preprocessor: the teacher's data preprocessor pads to a multiple of "
        "32 (pad_size_divisor=32) but the student's does not pad (pad_size_divisor=1), so the "
        'teacher would not see the image sizes it was trained on; give both the same geometry '
        '(model.student.data_preprocessor.pad_size_divisor=32 or '
        'model.teacher.data_preprocessor.pad_size_divisor=1)')
    seg = dict(type='mmseg.SegDataPreProcessor', mean=[0.0] * 3, std=[255.0] * 3, size=(64, 64))
    with pytest.raises(BadConfigError, match=r"^model.teacher.data_preprocessor: the teacher's "
                       r'data preprocessor pads to 64x64 in training and does not pad in testing '
                       r"\(size=\(64, 64\), size_divisor=None\) but the student's pads to a "
                       r'multiple of 32 \(pad_size_divisor=32\), .*; give both the same geometry '
                       r'\(the same padding settings in model.student.data_preprocessor and '
                       r'model.teacher.data_preprocessor\)$'):
        InputAdapter(teacher, seg)


def test_segmentation_padding_is_refilled_with_the_teachers_pad_value():
    from dense_batches import seg_batch
    from mmengine.structures import PixelData
    student = dict(type='mmseg.SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                   std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size=(64, 64))
    teacher = dict(type='mmseg.SegDataPreProcessor', mean=[0.0] * 3, std=[255.0] * 3,
                   pad_val=0, size=(64, 64))
    raw = seg_batch(n=2, size=64)
    raw['inputs'][1] = raw['inputs'][1][:, :40, :56]  # padded by 24 rows and 8 columns
    labels = raw['data_samples'][1].gt_sem_seg.data[:, :40, :56]
    raw['data_samples'][1].gt_sem_seg = PixelData(data=labels)
    made = preprocess(student, raw, training=True)
    expected = preprocess(teacher, raw, training=True)['inputs']
    assert made['inputs'][1, :, 40:].abs().max() == 0  # the student's pad: raw ImageNet mean
    out = InputAdapter(student, teacher)(made['inputs'], made['data_samples'])
    assert torch.allclose(out, expected, atol=1e-6)
    # without the data samples the padding is mapped like any pixel (B: the 3rd mean)
    mapped = InputAdapter(student, teacher)(made['inputs'])
    assert torch.allclose(mapped[1, 0, 40:], torch.full((24, 64), 103.53 / 255), atol=1e-6)


def test_zoo_student_and_canvas_teacher():
    """mmdet's RetinaNet-R18 (ImageNet mean/std, BGR->RGB) teaching sfkd's canvas
    detector (x / 255, BGR): the adapted batch is the teacher's own."""
    from dense_batches import det_batch

    from sfkd.models.model_config import build_model
    student = build_model(dict(cfg_path='mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
                               init_cfg=None, bbox_head=dict(num_classes=3)), 'model.student')
    teacher = build_model(dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r34w32.py'),
                          'model.teacher')
    adapter = teacher_input_adapter(student, teacher)
    assert isinstance(adapter, InputAdapter) and adapter.swap
    raw = det_batch(n=2, size=64)
    raw['inputs'][1] = raw['inputs'][1][:, :50, :37]  # padded to 64x64 by both
    raw['data_samples'][1].set_metainfo(dict(img_shape=(50, 37)))
    made = student.data_preprocessor(copy.deepcopy(raw), True)
    expected = teacher.data_preprocessor(copy.deepcopy(raw), True)['inputs']
    assert made['inputs'].shape == expected.shape == (2, 3, 64, 64)
    # what the teacher received before: the student's normalisation
    assert not torch.allclose(made['inputs'], expected, atol=0.1)
    out = adapter(made['inputs'], made['data_samples'])
    assert torch.allclose(out, expected, atol=1e-6)
    assert abs(expected[0].mean() - out[0].mean()) < 1e-6


def test_registered_and_built_from_configs():
    adapter = MODELS.build(dict(type='InputAdapter', student_preprocessor=SWAPPING_STUDENT,
                                teacher_preprocessor=TEACHER))
    assert isinstance(adapter, InputAdapter)
    with pytest.raises(BadConfigError, match=r"^model.teacher.data_preprocessor must be a data "
                       r'preprocessor config with a `type`'):
        InputAdapter(SWAPPING_STUDENT, dict(mean=[0.0]))


def test_a_teacher_without_a_preprocessor_of_its_own_is_not_adapted():
    """MMEngine's default BaseDataPreprocessor (a model configured without one) declares
    nothing: the teacher takes the batch the Distiller's preprocessor made."""
    from mmengine.model import BaseModel
    from mmpretrain.models import ClsDataPreprocessor

    class Teacher(BaseModel):
        def forward(self, inputs, data_samples=None, mode='tensor'):
            return inputs

    student = ClsDataPreprocessor(mean=[72.94], std=[90.0])
    assert teacher_input_adapter(student, Teacher()) is None
    assert teacher_input_adapter(student, Teacher(data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', mean=[0.0], std=[255.0]))) is not None

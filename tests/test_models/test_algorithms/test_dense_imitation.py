"""Dense outputs through the task-agnostic core: per-level imitation in SFTN,
per-level distillation, and one-line errors for outputs that do not fit a loss."""
import subprocess
import sys

import pytest
import torch
from canvas_data import canvas_batch, canvas_options, coco_options
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, subprocess_env

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

SFTN_DET = f'{ROOT}/configs/sftn/sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py'
CWD_DET = f'{ROOT}/configs/cwd/cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py'
SOTEACHER_SEG = f'{ROOT}/configs/soteacher/soteacher_fcn-r34w32_fashion-seg.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def model_cfg(path: str) -> dict:
    return Config.fromfile(path).model.to_dict()


def test_multi_level_loss_sums_or_averages_the_levels():
    student = [torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 1, 1)]
    teacher = [torch.full((1, 1, 2, 2), 2.0), torch.zeros(1, 1, 1, 1)]
    inner = dict(type='FitNetsLoss')  # mean squared error: 4.0 and 1.0
    total = MODELS.build(dict(type='PerLevelLoss', loss=inner, loss_weight=2.0))
    assert total(student, teacher).item() == pytest.approx(10.0)
    mean = MODELS.build(dict(type='PerLevelLoss', loss=inner, reduction='mean'))
    assert mean(student, teacher).item() == pytest.approx(2.5)
    first = MODELS.build(dict(type='PerLevelLoss', loss=inner, levels=[1]))
    assert first(student, teacher).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match='2 student levels but 1 teacher levels'):
        total(student, teacher[:1])


def test_the_former_name_multi_level_loss_builds_a_per_level_loss_with_a_warning():
    from sfkd.models.losses import PerLevelLoss
    with pytest.warns(DeprecationWarning, match=r"^type='MultiLevelLoss' is now "
                      r"type='PerLevelLoss' \(a per-level wrapper, not MLKD\)"):
        old = MODELS.build(dict(type='MultiLevelLoss', loss=dict(type='FitNetsLoss')))
    assert isinstance(old, PerLevelLoss)
    student, teacher = [torch.zeros(1, 1, 2, 2)], [torch.ones(1, 1, 2, 2)]
    assert old(student, teacher).item() == pytest.approx(1.0)


def test_sftn_detector_imitates_every_fpn_level_of_the_score_maps(canvas_root):
    cfg = Config.fromfile(SFTN_DET)
    model = MODELS.build(cfg.model.to_dict())
    calls = []
    model.imitation.loss.register_forward_hook(
        lambda m, args, out: calls.append((tuple(args[0].shape), out.item())))
    model.train()
    data = model.data_preprocessor(canvas_batch(cfg, canvas_root), True)
    losses = model(**data, mode='loss')
    # 2 attach points x 3 FPN levels; RetinaHead's cls maps have 6 anchors x 10 classes
    assert [shape for shape, _ in calls] == [(2, 60, 8, 8), (2, 60, 4, 4), (2, 60, 2, 2)] * 2
    for k, name in enumerate(('b0.layer2', 'b0.layer3')):
        expected = 3.0 * sum(value for _, value in calls[3 * k:3 * k + 3])
        assert losses[f'distill.{name}.loss_imitation'].item() == pytest.approx(expected)
        assert f'student.{name}.loss_cls' in losses


def test_multi_level_output_into_a_one_map_imitation_loss_is_refused():
    cfg = model_cfg(SFTN_DET)
    cfg['imitation_loss'] = dict(type='ChannelWiseDivergence', tau=1.0)
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    text = str(err.value)
    assert '\n' not in text
    assert text.startswith('imitation_loss (ChannelWiseDivergence) takes one map, but gets a '
                           "multi-level output: {'student': '3 levels [(2, 60, 8, 8), ")
    assert "dict(type='PerLevelLoss', loss=dict(type='ChannelWiseDivergence', ...))" in text


def test_sftn_branch_attached_after_the_neck_is_refused_naming_the_tuple():
    cfg = model_cfg(SFTN_DET)
    cfg['branches'][0]['attach'] = [('neck', 'neck')]
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    assert str(err.value) == (
        'branch b0.neck: the teacher module neck returns a tuple of 3, but an attach point must '
        'return one tensor (the feature the branch transforms); attach at a module that returns '
        "one tensor, e.g. a backbone stage: attach=[('backbone.layer3', 'backbone.layer3')]")
    cfg['branches'][0]['attach'] = [('backbone.layer3', 'neck')]  # the student side alone
    with pytest.raises(BadConfigError, match=r'^branch b0\.neck: the student module neck '
                                             r'returns a tuple of 3, but'):
        MODELS.build(cfg)


def saved_teacher(path) -> str:
    from sfkd.models.model_config import build_model
    teacher = build_model(model_cfg(CWD_DET)['teacher'])
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


def test_multi_level_output_into_a_one_map_distill_loss_is_refused(tmp_path):
    cfg = model_cfg(CWD_DET)
    cfg['teacher_ckpt'] = saved_teacher(tmp_path / 't.pth')
    cfg.update(student_taps=dict(fpn='neck'), teacher_taps=dict(fpn='neck'), connectors={},
               distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence')),
               loss_inputs=dict(loss_cwd=dict(student='student.fpn', teacher='teacher.fpn')))
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    text = str(err.value)
    assert '\n' not in text
    assert text.startswith("loss_inputs.loss_cwd.student: 'student.fpn' records the whole output "
                           "of neck, a tuple of 3, which distill loss 'loss_cwd' "
                           '(ChannelWiseDivergence) cannot take')
    assert text.endswith('pick one element in the tap: student_taps.fpn="neck[0]" or '
                         "dict(type='ModuleOutputTap', source='neck', index=0), or give the loss "
                         "every level: dict(type='PerLevelLoss', "
                         "loss=dict(type='ChannelWiseDivergence', ...))")


def test_consistency_regulariser_refuses_a_dense_teacher_and_says_why():
    cfg = model_cfg(SOTEACHER_SEG)
    cfg['regularizers']['consistency'] = dict(type='ConsistencyRegularizer', num_samples=8,
                                              num_classes=11)
    with pytest.raises(BadConfigError) as err:
        MODELS.build(cfg)
    text = str(err.value)
    assert '\n' not in text
    assert text.startswith('regularizers.consistency: ConsistencyRegularizer needs one class '
                           "distribution per sample, (N, 11) logits, but the teacher output "
                           "'decode_head.conv_seg' is (2, 11, 8, 8); a dense output has no "
                           'per-sample target')
    assert 'use LipschitzRegularizer alone' in text


def test_train_tool_gives_one_line_for_fpn_levels_into_a_connector(canvas_root, tmp_path):
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, f'{ROOT}/tools/train.py', CWD_DET, '--work-dir', str(work),
         '--cfg-options', *canvas_options(canvas_root), *coco_options(canvas_root),
         f'model.teacher_ckpt={saved_teacher(tmp_path / "t.pth")}',
         'model.student_taps.p0.index=None', 'model.teacher_taps.p0.index=None'],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    (line, ) = [ln for ln in proc.stderr.splitlines() if ln.startswith('sfkd: error')]
    assert 'Traceback' not in proc.stderr and not list(work.rglob('*.pth'))
    assert line == ("sfkd: error: loss_inputs.loss_cwd_p0.student: 'student.p0' records the "
                    "whole output of neck, a tuple of 3, which connector 'adapt_p0' cannot "
                    'take; pick one element in the tap: student_taps.p0="neck[0]" or '
                    "dict(type='ModuleOutputTap', source='neck', index=0)"), line

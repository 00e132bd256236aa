"""tools/analysis/get_flops.py: parameters and FLOPs through mmengine's analysis."""
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, subprocess_env
from torch import nn

from sfkd.apis.complexity import model_complexity
from sfkd.models.model_config import build_model
from sfkd.utils import register_all_modules

pytestmark = pytest.mark.e2e

GET_FLOPS = osp.join(ROOT, 'tools', 'analysis', 'get_flops.py')
TINY_MODEL = 'sfkd::_base_/models/tiny_resnet_fmnist.py'
SMALL_MODEL = 'sfkd::_base_/models/small_resnet_fmnist.py'


def test_flops_of_one_conv_and_one_linear_by_hand():
    conv = nn.Conv2d(3, 4, kernel_size=3, padding=1)
    (row, ) = model_complexity(conv, (3, 8, 8))
    # 4 output channels x 8 x 8 positions x (3 x 3 x 3) multiply-accumulates
    assert row.flops == 4 * 8 * 8 * 3 * 3 * 3
    assert row.params == 4 * 3 * 3 * 3 + 4
    linear = nn.Sequential(nn.Flatten(), nn.Linear(12, 5))
    (row, ) = model_complexity(linear, (3, 2, 2))
    assert row.flops == 12 * 5 and row.params == 12 * 5 + 5


def get_flops(*args):
    """The table of ``tools/analysis/get_flops.py ARGS``, run in this process (the command
    line itself is run by test_plain_config_needs_a_shape_and_counts_every_parameter)."""
    from sfkd_testing import load_tool
    rows = {}
    lines = load_tool('tools/analysis/get_flops.py', 'get_flops_tool').run(list(args))
    lines = lines.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ['part', 'params'])
    for line in lines[header + 1:]:
        # columns are two or more spaces apart: part, params, short, FLOPs, short
        part, params, _, flops, _ = re.split(r'\s{2,}', line.strip())
        rows[part] = (int(params), None if flops == '-' else int(flops))
    return rows


def n_params(cfg_path):
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('sfkd'):
        model = build_model(dict(cfg_path=cfg_path))
    return sum(p.numel() for p in model.parameters())


def test_plain_config_needs_a_shape_and_counts_every_parameter():
    cfg = f'{ROOT}/configs/baseline/small-resnet_3e_fashion-mnist.py'
    proc = subprocess.run([sys.executable, GET_FLOPS, cfg], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].endswith('pass --shape C H W (for example '
                                                         '--shape 1 28 28 for Fashion-MNIST)')
    rows = get_flops(cfg, '--shape', '1', '28', '28')
    params, flops = rows['model']
    assert params == n_params(SMALL_MODEL)
    # at least the stem conv (16 channels, 3x3, on 28x28 one-channel input) and the head
    assert flops > 28 * 28 * 16 * 9


def test_distiller_rows_are_its_parts():
    rows = get_flops(f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py')
    assert rows['student'][0] == n_params(TINY_MODEL)
    assert rows['teacher'][0] == n_params(SMALL_MODEL)
    assert rows['connectors'] == (0, None)  # KD on logits: no connector
    # the student is the teacher at half width: about a quarter of its FLOPs
    assert 0.15 < rows['student'][1] / rows['teacher'][1] < 0.4


def test_sftn_wrapper_with_branches_adds_them_to_the_teacher():
    cfg = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
    rows = get_flops(cfg)
    teacher = rows['teacher (without branches)']
    assert teacher[0] == n_params(SMALL_MODEL)
    branches = {k: v for k, v in rows.items() if k.startswith('branch ')}
    assert len(branches) == 2  # after teacher stages 1 and 2, one shared student
    total = rows['teacher with branches']
    assert total[1] == teacher[1] + sum(f for _, f in branches.values())
    # parameters: the teacher, the shared student once, each branch's transform
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('sfkd'):
        wrapper = build_model(Config.fromfile(cfg).model.to_dict())
    assert total[0] == sum(p.numel() for p in wrapper.parameters())
    assert total[0] < teacher[0] + sum(p for p, _ in branches.values())  # the student is shared


def test_wrapper_without_branches_is_the_teacher():
    rows = get_flops(f'{ROOT}/configs/soteacher/soteacher_small-resnet_fashion-mnist.py')
    assert list(rows) == ['teacher (without branches)']
    assert rows['teacher (without branches)'][0] == n_params(SMALL_MODEL)


def no_network(monkeypatch, tmp_path):
    """An empty hub cache and a download that fails, as on a machine without a network."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))

    def refuse(url, *args, **kwargs):
        raise OSError(f'no network for {url}')
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)


def test_zoo_config_is_counted_offline_without_its_pretrained_weights(tmp_path, monkeypatch,
                                                                     capsys):
    from sfkd_testing import load_tool
    no_network(monkeypatch, tmp_path)
    tool = load_tool('tools/analysis/get_flops.py', 'get_flops_tool')
    cfg = f'{ROOT}/configs/kd/kd_zoo-resnet34_zoo-resnet18_imagenet.py'
    table = tool.run([cfg, '--shape', '3', '32', '32'])
    out = capsys.readouterr().out
    assert 'built without weights (FLOPs need none; not loaded or downloaded): ' \
           'model.teacher.pretrained\n' in out
    rows = {line.split()[0]: int(line.split()[1]) for line in table.splitlines()[1:]}
    # mmpretrain's ResNet-18 and ResNet-34 with their 1000-class heads
    assert rows['student'] == 11689512 and rows['teacher'] == 21797672


@pytest.mark.unit
def test_without_weights_takes_out_every_loading():
    from sfkd.models.without_weights import without_weights
    pretrained = dict(type='Pretrained', checkpoint='torchvision://resnet50')
    cfg = dict(type='Distiller', teacher_ckpt='t.pth', student_ckpt=None,
               student_init=dict(checkpoint='s.pth'),
               teacher=dict(type='EncoderDecoder', pretrained='open-mmlab://resnet50_v1c',
                            backbone=dict(type='ResNet', init_cfg=pretrained)),
               student=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
                            pretrained=True),
               connectors=[dict(type='Conv', init_cfg=dict(type='Kaiming'))])
    out, dropped = without_weights(cfg)
    assert dropped == ['model.teacher_ckpt', 'model.student_init', 'model.teacher.pretrained',
                       'model.teacher.backbone.init_cfg', 'model.student.pretrained']
    assert out['teacher_ckpt'] is None and out['student_init'] is None
    assert out['teacher'] == dict(type='EncoderDecoder', backbone=dict(type='ResNet'))
    assert out['student'] == dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
                                  pretrained=False, init_cfg=None)
    assert out['connectors'] == cfg['connectors']  # other initialisations are kept
    # a zoo model that initialises its backbone from torchvision: init_cfg=None next to it
    out, dropped = without_weights(dict(cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'))
    assert out['init_cfg'] is None and dropped == [
        "model.init_cfg (of cfg_path 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py')"]


def test_a_shape_the_model_cannot_take_is_one_line():
    from sfkd_testing import load_tool
    tool = load_tool('tools/analysis/get_flops.py', 'get_flops_tool')
    cfg = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
    with pytest.raises(SystemExit) as err:
        tool.run([cfg, '--shape', '3', '28', '28'])
    message = str(err.value.code)
    assert message.startswith(f'sfkd: error: {cfg}: an input of shape (3, 28, 28) (C, H, W) '
                              'does not fit the model (Given groups=1, weight of size [')
    assert message.endswith('pass --shape C H W with the channels and size the model takes')
    assert '\n' not in message

"""Every Fashion-MNIST (Fashion-MNIST canvas, MRI) config that loads a teacher, sfkd's and
the studies' under projects/, names the command that makes it, and that command writes
the very file the config loads."""
import glob
import os.path as osp
import shlex

import pytest
from mmengine.config import Config
from sfkd_testing import ROOT

from sfkd.tools._config import default_work_dir
from sfkd.utils.config_loading import config_file

pytestmark = pytest.mark.unit

NEEDS_TEACHER = sorted(
    p for p in glob.glob(f'{ROOT}/configs/*/*fashion-mnist.py')
    + glob.glob(f'{ROOT}/configs/*/*_fashion-det.py')
    + glob.glob(f'{ROOT}/configs/*/*_fashion-seg.py')
    + glob.glob(f'{ROOT}/configs/mri/*.py')
    + glob.glob(f'{ROOT}/projects/*/configs/*/*fashion-mnist.py')  # the studies' own
    if Config.fromfile(p).model.get('teacher_ckpt')
    or Config.fromfile(p).model.type == 'Distiller'
    and Config.fromfile(p).model.get('teacher') is not None)  # teacher-free KD needs none


def test_the_distillation_and_fine_tune_configs_are_covered():
    names = {osp.basename(p) for p in NEEDS_TEACHER}
    assert {'kd_small-resnet_tiny-resnet_fashion-mnist.py',
            'fitnets_small-resnet_tiny-resnet_fashion-mnist.py',
            'at_small-resnet_tiny-resnet_fashion-mnist.py',
            'sftn-finetune_small-resnet_tiny-resnet_fashion-mnist.py',
            'skd_small-resnet_tiny-resnet_fashion-mnist.py',
            'lwkd_lenet_tiny-resnet_fashion-mnist.py',
            'cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
            'kd_fcn-r34w32_fcn-r18w16_fashion-seg.py',
            'imitation-at-sft_d5c5_d3c5_4x_mri-t1.py',
            'imitation-fitnets_d5c5_d3c5_5x_acdc.py',
            'kd-aug_small-resnet_tiny-resnet_fashion-mnist.py'} <= names


@pytest.mark.parametrize('path', NEEDS_TEACHER, ids=osp.basename)
def test_config_names_the_command_that_writes_its_teacher(path):
    model = Config.fromfile(path).model
    command = model.get('teacher_ckpt_hint')
    assert command, 'model.teacher_ckpt_hint names the command that makes the teacher'
    assert f'# Teacher: {command}\n' in open(path).read(), 'the header names the same command'
    argv = shlex.split(command)  # the installed command, on a packaged or a project config
    assert argv[0] == 'sfkd-train' and len(argv) == 2
    assert argv[1].startswith(('sfkd::', 'projects/')), argv[1]
    teacher_cfg = Config.fromfile(config_file(argv[1]) if argv[1].startswith('sfkd::')
                                  else osp.join(ROOT, argv[1]))
    exports = [h for h in teacher_cfg.get('custom_hooks', [])
               if h.type == 'ExportSubmodelHook' and h.get('filename') == 'teacher_final.pth']
    assert exports, f'{argv[1]} exports teacher_final.pth'
    assert model.teacher_ckpt == osp.join(default_work_dir(argv[1]), 'teacher_final.pth')

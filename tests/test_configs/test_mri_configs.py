"""Every MRI config builds and trains a step on packed k-space of real T1 slices, and the
SFT distillations start their student from the SFT run's export."""
import glob
import os.path as osp

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.models.model_config import build_model
from sfkd.registry import DATASETS, MODELS
from sfkd.utils.config_loading import config_file

pytestmark = pytest.mark.integration

CONFIGS = sorted(glob.glob(f'{ROOT}/configs/mri/*.py'))
# the configs no other test trains (the MRI guide's commands run the teachers, the
# student alone and imitation-at-sft: tests/test_tools/test_mri_recipes.py); the GPU
# ones differ from the CPU ones only in data, size and schedule
STEP = [p for p in CONFIGS if p.endswith(('imitation-at_d5c5_d3c5_4x_mri-t1.py',
                                          'imitation-fitnets_d5c5_d3c5_4x_mri-t1.py',
                                          'imitation-fitnets-sft_d5c5_d3c5_5x_acdc.py'))]


@pytest.fixture(scope='module')
def t1_batch(mri_root):
    cfg = Config.fromfile(f'{ROOT}/configs/mri/dc-cnn-d5c5_4x_mri-t1.py')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(data_root=mri_root, indices=2)
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in range(2)])


def test_the_cpu_and_gpu_sets_are_complete():
    names = {osp.basename(p) for p in CONFIGS}
    for scan in ('4x_mri-t1', '4x_mrbrains', '5x_mrbrains', '4x_acdc', '5x_acdc'):
        for kind in ('dc-cnn-d5c5', 'dc-cnn-d3c5', 'sft-kd-recon_d5c5_d3c5',
                     'imitation-at_d5c5_d3c5', 'imitation-fitnets_d5c5_d3c5',
                     'imitation-at-sft_d5c5_d3c5', 'imitation-fitnets-sft_d5c5_d3c5'):
            assert f'{kind}_{scan}.py' in names
    sizes = {p: Config.fromfile(p).train_dataloader.dataset.get('type') for p in CONFIGS}
    assert {sizes[p] for p in CONFIGS if 'mri-t1' in p} == {'MRIT1Slices'}


@pytest.mark.parametrize('path', STEP, ids=osp.basename)
def test_config_trains_a_step_on_real_slices(path, t1_batch, tmp_path):
    cfg = Config.fromfile(path).model.to_dict()
    if 'input_shape' in cfg:
        cfg['input_shape'] = (3, 32, 32)
    with DefaultScope.overwrite_default_scope('sfkd'):
        if cfg['type'] == 'Distiller':
            teacher = build_model(cfg['teacher'])
            cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
            torch.save({'state_dict': teacher.state_dict()}, cfg['teacher_ckpt'])
            if 'student_init' in cfg:
                cfg['student_init']['checkpoint'] = str(tmp_path / 'sft_student_final.pth')
                torch.save({'state_dict': build_model(cfg['student']).state_dict()},
                           cfg['student_init']['checkpoint'])
        model = MODELS.build(cfg)
    model.train()
    log = model.train_step(t1_batch, OptimWrapper(torch.optim.Adam(model.parameters(), 1e-3)))
    assert all(torch.isfinite(v) for v in log.values()), log
    assert {'loss', 'student.loss', 'teacher.loss'} & set(log)
    if cfg['type'] != 'DCCNN':
        assert any(k.startswith('distill.') for k in log)


def test_sft_distillations_start_from_the_sft_export():
    for path in CONFIGS:
        model = Config.fromfile(path).model
        if model.type != 'Distiller':
            continue
        # the student starts from the SFT student the teacher's run writes beside it
        assert model.student_init.checkpoint == '{teacher_dir}/sft_student_final.pth'
        (named, ) = [w for w in model.teacher_ckpt_hint.split() if w.startswith('sfkd::')]
        maker = Config.fromfile(config_file(named))
        exports = {(h.part, h.filename) for h in maker.custom_hooks}
        is_sft = maker.model.type == 'SFTN'
        assert (('students.b0', 'sft_student_final.pth') in exports) == is_sft, path
        assert model.student_init.required == is_sft == ('-sft_' in path), path

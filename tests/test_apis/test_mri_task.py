"""The MRI pipeline task: its plan, its zero-filled reference row and its figure."""
import os.path as osp

import numpy as np
import pytest
import torch

from sfkd.apis.pipeline import plan
from sfkd.apis.tasks import get_task
from sfkd.evaluation.mri import psnr, ssim
from sfkd.models.mri import DCCNN
from sfkd.utils.config_loading import config_file, read_config

pytestmark = pytest.mark.unit


def test_plan_and_configs():
    task = get_task('mri')
    scale = task.scales['smoke']
    runs = plan(task, scale, 'out')
    assert [r.label for r in runs] == ['teacher standard seed0', 'teacher sft seed0',
                                       'alone seed0', 'distill standard at seed0',
                                       'distill sft at seed0']
    for path in [s.config for s in task.teachers.values()] + list(task.methods.values()):
        assert osp.isfile(config_file(path))
    # the distilled student starts from the SFT student the sft teacher run writes beside it
    kd = read_config(task.methods['at']).model
    assert kd.student_init.checkpoint == '{teacher_dir}/sft_student_final.pth'
    assert kd.student_init.required is False
    assert {m.key for m in task.metrics} == {'mri/PSNR/ch2', 'mri/SSIM/ch2',
                                             'mri/PSNR/inia19-t1-brain',
                                             'mri/SSIM/inia19-t1-brain'}
    full = task.scales['full']
    assert len(full.seeds) == 3 and set(full.teachers) == {'standard', 'sft'}


def test_zero_filled_row_by_hand(mri_root):
    task = get_task('mri')
    values = task.references['zero-filled'](task.scales['smoke'], data_root=mri_root)
    for split, name in (('val', ''), ('test_macaque', '_macaque')):
        images = np.load(osp.join(mri_root, f'{split}.npz'))['images'].astype(np.float64)
        # the same per-slice masks as the pipeline's validation (seed 1)
        from sfkd.datasets.mri import UndersampleKSpace
        cfg = read_config(task.student_alone)
        t = UndersampleKSpace(**{k: v for k, v in cfg.test_pipeline[1].items() if k != 'type'})
        z = np.load(osp.join(mri_root, f'{split}.npz'))['slices']
        zf = []
        for img, s in zip(images, z):
            k = np.fft.fft2(img, norm='ortho')
            out = t.transform(dict(kspace=k, volume_idx=int(split != 'val'), slice_idx=int(s)))
            zf.append(np.fft.ifft2(out['kspace'], norm='ortho').real)
        zf = np.stack(zf)
        assert values[f'PSNR{name}'] == pytest.approx(psnr(images, zf), abs=1e-3)
        assert values[f'SSIM{name}'] == pytest.approx(ssim(images, zf), abs=1e-4)


def test_figure_of_one_test_slice(mri_root, tmp_path):
    ckpts = []
    for i in range(2):
        torch.manual_seed(i)
        path = str(tmp_path / f'student{i}.pth')
        torch.save(dict(state_dict=DCCNN(arch='D3C5').state_dict()), path)
        ckpts.append((f'model {i}', path))
    from sfkd.apis.mri_figure import draw_reconstructions, reconstruct_slice
    cfg = get_task('mri').student_alone  # sfkd::mri/..., read from the installed package
    images, meta = reconstruct_slice(cfg, ckpts, index=1, data_root=mri_root)
    assert list(images) == ['ground truth', 'zero-filled', 'model 0', 'model 1']
    gt = np.load(osp.join(mri_root, 'test.npz'))['images'][1]
    assert np.array_equal(images['ground truth'], gt) and meta['index'] == 1
    assert not np.allclose(images['model 0'], images['model 1'])
    out = draw_reconstructions(cfg, ckpts, str(tmp_path / 'fig.png'), index=1, data_root=mri_root)
    assert open(out, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'

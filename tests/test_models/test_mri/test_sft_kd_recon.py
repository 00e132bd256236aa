"""SFT-KD-Recon through the generic SFTN and Distiller, on real T1 slices."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from sfkd_testing import ROOT

from sfkd.models.mri import DCCNN
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.integration

SFT = osp.join(ROOT, 'configs/mri/sft-kd-recon_d5c5_d3c5_4x_mri-t1.py')
KD_SFT = osp.join(ROOT, 'configs/mri/imitation-at-sft_d5c5_d3c5_4x_mri-t1.py')


def _build(path, data_root, **model):
    from sfkd.registry import DATASETS, MODELS
    cfg = Config.fromfile(path)
    cfg.model.update(input_shape=(3, 32, 32), **model)
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds_cfg = cfg.train_dataloader.dataset
        ds_cfg.update(data_root=data_root, indices=4)
        data = DATASETS.build(ds_cfg)
        torch.manual_seed(0)
        return MODELS.build(cfg.model), pseudo_collate([data[i] for i in range(2)])


def _train(model, batch, steps=2):
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    return [model.train_step(batch, wrapper) for _ in range(steps)][-1]


@pytest.fixture(scope='module')
def sft(mri_root):
    model, batch = _build(SFT, mri_root)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    losses = _train(model, batch)
    return model, batch, before, losses


def test_sft_branches_run_the_student_from_the_teacher_after_each_cascade(sft):
    model, batch, _, losses = sft
    assert {'teacher.loss', 'student.b0.0.loss', 'student.b0.3.loss',
            'distill.b0.0.loss_imitation', 'distill.b0.3.loss_imitation'} <= set(losses)
    assert 'student.b0.4.loss' not in losses  # nothing follows the last cascade
    data = model.data_preprocessor(batch, True)
    teacher, student = model.teacher, model.students['b0']
    with torch.no_grad():
        kspace_mask = torch.complex(data['inputs'][:, :1], data['inputs'][:, 1:2]), \
            data['inputs'][:, 2:3]
        image, after = teacher.zero_filled(data['inputs']), []
        for cascade in teacher.cascades:
            image = cascade(image, *kspace_mask)
            after.append(image)
        gt = torch.stack([s.gt_img for s in data['data_samples']])
        out = model.loss(data['inputs'], data['data_samples'])
        for i in range(4):  # by hand: teacher after cascade i+1 -> student cascades i+2..5
            x = after[i]
            for cascade in student.cascades[i + 1:]:
                x = cascade(x, *kspace_mask)
            # the weights of the config: 1/4 per branch, the imitation not divided by pixels
            assert out[f'student.b0.{i}.loss'] == pytest.approx(0.25 * (x - gt).abs().mean().item(),
                                                                rel=1e-5)
            assert out[f'distill.b0.{i}.loss_imitation'] == pytest.approx(
                0.25 * (x - after[4]).abs().mean().item(), rel=1e-5)


def test_sft_trains_the_teacher_and_the_shared_student_from_cascade_two(sft):
    model, _, before, _ = sft
    state = model.state_dict()
    assert not torch.equal(state['teacher.cascades.0.cnn.conv1.weight'],
                           before['teacher.cascades.0.cnn.conv1.weight'])
    assert not torch.equal(state['students.b0.cascades.1.cnn.conv1.weight'],
                           before['students.b0.cascades.1.cnn.conv1.weight'])
    # the student's first cascade is always replaced by the teacher's (as in the paper's code)
    assert torch.equal(state['students.b0.cascades.0.cnn.conv1.weight'],
                       before['students.b0.cascades.0.cnn.conv1.weight'])


def test_distillation_starts_from_the_sft_student_and_trains(sft, mri_root, tmp_path):
    model = sft[0]
    teacher_ckpt, student_ckpt = str(tmp_path / 'teacher.pth'), str(tmp_path / 'sft_run.pth')
    torch.save(dict(state_dict=model.teacher.state_dict()), teacher_ckpt)
    torch.save(dict(state_dict=model.state_dict()), student_ckpt)  # the whole SFT checkpoint
    distiller, batch = _build(KD_SFT, mri_root, teacher_ckpt=teacher_ckpt, student_init=dict(
        checkpoint=student_ckpt, key_map={'students.b0.': ''}))
    report = distiller.student_init_report
    assert len(report['loaded']) == len(distiller.student.state_dict())
    assert report['missing'] == [] and report['unexpected'] == []
    assert torch.equal(distiller.student.cascades[3].cnn.conv2.weight,
                       model.students['b0'].cascades[3].cnn.conv2.weight)
    losses = _train(distiller, batch)
    assert {'student.loss', 'distill.loss_imitation', 'distill.loss_at0',
            'distill.loss_at4'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())


def test_student_init_reports_and_refuses_mismatches(mri_root, tmp_path):
    wrong = str(tmp_path / 'd3c4.pth')
    torch.save(dict(state_dict=DCCNN(arch='D3C4').state_dict()), wrong)
    teacher = str(tmp_path / 't.pth')
    torch.save(dict(state_dict=DCCNN(arch='D5C5').state_dict()), teacher)
    with pytest.raises(CheckpointError, match=r'student init checkpoint .*d3c4.pth.* D3C4 DC-CNN '
                                              r'\(4 cascades\) but the model is D3C5'):
        _build(KD_SFT, mri_root, teacher_ckpt=teacher, student_init=dict(checkpoint=wrong))
    distiller, _ = _build(KD_SFT, mri_root, teacher_ckpt=teacher,
                          student_init=dict(checkpoint=wrong, strict=False))
    assert len(distiller.student_init_report['missing']) == 6  # cascade 5: 3 convs x (w, b)
    with pytest.raises(CheckpointError, match=r"has no parameter of the student model after "
                                              r"key_map \{'students.b0.': ''\}"):
        _build(KD_SFT, mri_root, teacher_ckpt=teacher,
               student_init=dict(checkpoint=wrong, key_map={'students.b0.': ''}))

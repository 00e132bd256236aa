"""CrossKD in a Distiller, on the canvas detectors: the student head's intermediate
features run through the rest of the frozen teacher's head. The distill losses'
gradient reaches the student layers before the cross point and nothing else: not
the teacher, not the student's own last head layers."""
import pytest
import torch
from canvas_data import canvas_batch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

pytestmark = pytest.mark.integration

CFG = f'{ROOT}/configs/crosskd/crosskd_retinanet-r34w32_retinanet-r18w16_fashion-det.py'


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def test_crosskd_gradient_reaches_the_student_only(canvas_root, tmp_path):
    cfg = Config.fromfile(CFG)
    model_cfg = cfg.model.to_dict()
    torch.manual_seed(0)
    model_cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': build_model(model_cfg['teacher']).state_dict()},
               model_cfg['teacher_ckpt'])
    model = MODELS.build(model_cfg)
    model.train()
    teacher = model.get_teacher()
    assert model.connectors['cross_cls'].teacher is teacher
    assert not {id(p) for p in teacher.parameters()} & {id(p) for p in model.parameters()}
    assert not any(k.startswith('teacher.') for k in model.state_dict())

    data = model.data_preprocessor(canvas_batch(cfg, canvas_root), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    distill = losses['distill.loss_crosskd_cls'] + losses['distill.loss_crosskd_reg']
    assert distill.item() > 0
    distill.backward()
    assert all(p.grad is None for p in teacher.parameters())
    head = model.student.bbox_head
    for branch in (head.cls_convs[0], head.reg_convs[0], model.student.neck):
        assert all(p.grad is not None and p.grad.abs().sum() > 0
                   for p in branch.parameters())
    # the student's own predictors learn from the annotations only
    assert all(p.grad is None for p in (*head.retina_cls.parameters(),
                                        *head.retina_reg.parameters()))

    # the cross-head predictions are the teacher's retina_cls on the adapted features
    model.eval()
    connector = model.connectors['cross_cls']
    feats = [model.student_taps.taps[f'cls_feat{i}'].value.detach() for i in range(3)]
    with torch.no_grad():
        crossed = connector(feats)
        for feat, out in zip(feats, crossed):
            assert torch.allclose(out, teacher.bbox_head.retina_cls(connector.adapter(feat)),
                                  atol=1e-5)
        assert [tuple(f.shape[2:]) for f in feats] == [(8, 8), (4, 4), (2, 2)]  # call i: level i

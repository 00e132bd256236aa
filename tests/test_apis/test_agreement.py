"""Teacher-student agreement: exact values on hand-made logits, and the model helpers."""
import math

import pytest
import torch
from mmengine.config import Config
from sfkd_testing import ROOT

from sfkd.apis.agreement import agreement_metrics, load_classifier, predict_logits
from sfkd.models.model_config import build_model
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.unit

LN3, LN2 = math.log(3.0), math.log(2.0)


def test_agreement_and_kl_match_hand_computed_values():
    # sample 1: p_t = (3/4, 1/4), p_s = (2/3, 1/3), same top-1
    # sample 2: p_t = (1/4, 3/4), p_s = (3/4, 1/4), different top-1
    teacher = torch.tensor([[LN3, 0.0], [0.0, LN3]], dtype=torch.float64)
    student = torch.tensor([[LN2, 0.0], [LN3, 0.0]], dtype=torch.float64)
    kl1 = 0.75 * math.log(0.75 / (2 / 3)) + 0.25 * math.log(0.25 / (1 / 3))
    kl2 = 0.25 * math.log(0.25 / 0.75) + 0.75 * math.log(0.75 / 0.25)
    out = agreement_metrics(teacher, student, labels=torch.tensor([0, 0]))
    assert out['agreement'] == pytest.approx(50.0)
    assert out['kl'] == pytest.approx((kl1 + kl2) / 2, rel=1e-12)
    assert out['teacher_top1'] == pytest.approx(50.0)
    assert out['student_top1'] == pytest.approx(100.0)


def test_temperature_divides_the_logits():
    teacher = torch.tensor([[LN3, 0.0], [0.0, LN3]], dtype=torch.float64)
    student = torch.tensor([[LN2, 0.0], [LN3, 0.0]], dtype=torch.float64)
    plain = agreement_metrics(teacher, student)
    scaled = agreement_metrics(4 * teacher, 4 * student, tau=4.0)
    assert scaled['kl'] == pytest.approx(plain['kl'], rel=1e-12)
    assert 'teacher_top1' not in plain  # no labels, no accuracies
    # identical predictions: full agreement, zero divergence
    same = agreement_metrics(teacher, teacher.clone())
    assert same['agreement'] == 100.0 and same['kl'] == pytest.approx(0.0, abs=1e-15)


def test_mismatched_logits_are_refused_with_both_shapes():
    with pytest.raises(ValueError, match=r'\(4, 10\) and \(4, 100\)'):
        agreement_metrics(torch.zeros(4, 10), torch.zeros(4, 100))


def test_load_classifier_and_predict_logits(tmp_path):
    from mmpretrain.structures import DataSample

    from sfkd.utils import register_all_modules
    register_all_modules()
    config = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
    torch.manual_seed(0)
    ref = build_model(Config.fromfile(config).model.to_dict())
    torch.save(ref.state_dict(), tmp_path / 'student_final.pth')
    model = load_classifier(config, str(tmp_path / 'student_final.pth'))

    images = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8)
    batches = [dict(inputs=list(images[i:i + 3]),
                    data_samples=[DataSample().set_gt_label(k) for k in range(i, min(i + 3, 5))])
               for i in (0, 3)]
    logits, labels = predict_logits(model, batches)
    assert logits.shape == (5, 10) and labels.tolist() == [0, 1, 2, 3, 4]
    ref.eval()
    with torch.no_grad():
        expected = ref(ref.data_preprocessor(dict(inputs=list(images)), False)['inputs'],
                       mode='tensor')
    torch.testing.assert_close(logits, expected)

    with pytest.raises(CheckpointError, match='does not fit'):
        load_classifier(f'{ROOT}/configs/baseline/small-resnet_3e_fashion-mnist.py',
                        str(tmp_path / 'student_final.pth'))


def test_evaluation_loaders_find_the_data_from_another_directory(tmp_path, monkeypatch,
                                                                 fmnist_root):
    """The config's relative data_root is looked up in SFKD_DATA_ROOT, as the tools do."""
    import os.path as osp

    from sfkd.apis.agreement import evaluation_loaders
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('SFKD_DATA_ROOT', osp.join(ROOT, 'data'))
    val, train = evaluation_loaders(f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py',
                                    val_size=4, train_size=4)
    assert val.dataset.data_root == train.dataset.data_root == osp.join(ROOT, 'data',
                                                                        'fashion_mnist')
    assert len(val.dataset) == len(train.dataset) == 4

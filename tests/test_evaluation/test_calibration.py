"""ECE and NLL against values worked out by hand on a few made-up predictions."""
import math

import pytest
import torch

from sfkd.evaluation.calibration import calibration_metrics, expected_calibration_error, \
    negative_log_likelihood
from sfkd.registry import METRICS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

# four samples in four different bins of 15 (bin m holds ((m-1)/15, m/15]):
#   conf 0.90 correct (bin 14), 0.70 wrong (bin 11), 0.50 correct (bin 8), 0.75 correct (bin 12)
PROBS = torch.tensor([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.15, 0.75]], dtype=torch.float64)
LABELS = torch.tensor([0, 0, 0, 2])
ECE = 100 * (abs(1 - 0.9) + abs(0 - 0.7) + abs(1 - 0.5) + abs(1 - 0.75)) / 4   # 38.75
NLL = -(math.log(0.9) + math.log(0.2) + math.log(0.5) + math.log(0.75)) / 4


def test_ece_with_one_sample_per_bin():
    assert expected_calibration_error(PROBS, LABELS) == pytest.approx(ECE, abs=1e-9)
    assert ECE == pytest.approx(38.75)


def test_ece_averages_within_a_shared_bin():
    # 0.72 (correct) and 0.70 (wrong) share bin 11: accuracy 0.5, confidence 0.71;
    # 0.95 (wrong) is alone in bin 15
    probs = torch.tensor([[0.72, 0.28], [0.3, 0.7], [0.95, 0.05]], dtype=torch.float64)
    labels = torch.tensor([0, 0, 1])
    expected = 100 * (2 / 3 * abs(0.5 - 0.71) + 1 / 3 * abs(0 - 0.95))
    assert expected_calibration_error(probs, labels) == pytest.approx(expected, abs=1e-9)


def test_ece_bins_are_closed_on_the_right():
    # two bins (0, 0.5] and (0.5, 1]: 0.5 belongs to the first
    probs = torch.tensor([[0.5, 0.3, 0.2], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]], dtype=torch.float64)
    labels = torch.tensor([0, 1, 2])
    expected = 100 * (1 / 3 * abs(1 - 0.5) + 2 / 3 * abs(0.5 - (0.6 + 0.8) / 2))   # 30
    assert expected_calibration_error(probs, labels, num_bins=2) == pytest.approx(expected)
    assert expected == pytest.approx(30.0)


def test_perfectly_calibrated_predictions_have_zero_ece():
    # confidence 0.75 in one bin with 3 of 4 right
    probs = torch.tensor([[0.75, 0.25]] * 4, dtype=torch.float64)
    labels = torch.tensor([0, 0, 0, 1])
    assert expected_calibration_error(probs, labels) == pytest.approx(0.0, abs=1e-9)


def test_nll_is_the_mean_negative_log_probability_of_the_label():
    assert negative_log_likelihood(PROBS, LABELS) == pytest.approx(NLL, rel=1e-7)
    # a zero probability stays finite
    zero = negative_log_likelihood(torch.tensor([[1.0, 0.0]]), torch.tensor([1]))
    assert math.isfinite(zero) and zero > 700


def test_calibration_metrics_from_logits():
    logits = PROBS.double().log() + 3.0   # softmax(log p + c) = p
    out = calibration_metrics(logits, LABELS)
    assert out['ece'] == pytest.approx(ECE, abs=1e-9)
    assert out['nll'] == pytest.approx(NLL, rel=1e-9)


def test_bad_shapes_name_both():
    with pytest.raises(ValueError, match=r'\(4, 3\) and \(3,\)'):
        expected_calibration_error(PROBS, LABELS[:3])


def test_registered_metric_reports_calibration_keys():
    from mmpretrain.structures import DataSample
    metric = METRICS.build(dict(type='CalibrationMetric'))
    samples = [DataSample().set_gt_label(int(y)).set_pred_score(p.float()).to_dict()
               for p, y in zip(PROBS, LABELS)]
    metric.process(None, samples[:2])
    metric.process(None, samples[2:])
    out = metric.evaluate(len(samples))
    assert set(out) == {'calibration/ece', 'calibration/nll'}
    assert out['calibration/ece'] == pytest.approx(ECE, abs=1e-5)
    assert out['calibration/nll'] == pytest.approx(NLL, rel=1e-6)


def test_metric_refuses_samples_without_scores():
    metric = METRICS.build(dict(type='CalibrationMetric'))
    with pytest.raises(BadConfigError, match='pred_score and gt_label'):
        metric.process(None, [dict(gt_label=torch.tensor([0]))])
    with pytest.raises(BadConfigError, match='^num_bins must be'):
        METRICS.build(dict(type='CalibrationMetric', num_bins=0))

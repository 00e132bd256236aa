"""PSNR, SSIM and NMSE against scikit-image and hand formulas, grouped per volume."""
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from sfkd.evaluation.mri import NMSE, PSNR, SSIM, nmse, psnr, ssim

pytestmark = pytest.mark.unit

skm = pytest.importorskip('skimage.metrics')


def _pair(seed=0, shape=(3, 20, 24)):
    rng = np.random.default_rng(seed)
    gt = rng.random(shape) * 2.5
    return gt, gt + 0.1 * rng.standard_normal(shape)


def test_psnr_matches_scikit_image_over_the_volume():
    gt, pred = _pair()
    assert psnr(gt, pred) == pytest.approx(
        skm.peak_signal_noise_ratio(gt, pred, data_range=gt.max()), rel=1e-12)


def test_ssim_is_the_mean_of_2d_ssim_with_the_volume_max():
    gt, pred = _pair(1)
    gt[0] *= 0.5  # slices of different ranges: the volume's maximum is used for all
    expected = np.mean([skm.structural_similarity(g, p, data_range=gt.max())
                        for g, p in zip(gt, pred)])
    assert ssim(gt, pred) == pytest.approx(expected, rel=1e-9)


def test_nmse_by_hand():
    gt = np.array([[[1.0, 2.0], [0.0, 2.0]]])
    pred = np.array([[[1.0, 1.0], [1.0, 2.0]]])
    assert nmse(gt, pred) == pytest.approx(2 / 9)  # (0+1+1+0) / (1+4+0+4)


def test_metrics_group_slices_by_volume():
    gt_a, pred_a = _pair(2, (2, 16, 16))
    gt_b, pred_b = _pair(3, (3, 16, 16))
    samples = []
    for name, gt, pred in (('a', gt_a, pred_a), ('b', gt_b, pred_b)):
        for z in reversed(range(len(gt))):  # any order: slices are sorted by slice_idx
            s = BaseDataElement(metainfo=dict(volume=name, slice_idx=z))
            s.gt_img, s.pred_img = torch.from_numpy(gt[z][None]), torch.from_numpy(pred[z][None])
            samples.append(s)
    for cls, fn in ((PSNR, psnr), (SSIM, ssim), (NMSE, nmse)):
        metric = cls()
        metric.process({}, samples)
        out = metric.compute_metrics(metric.results)
        values = [fn(gt_a, pred_a), fn(gt_b, pred_b)]
        assert out[cls.name] == pytest.approx(np.mean(values), rel=1e-9)
        assert out[f'{cls.name}_std'] == pytest.approx(np.std(values), rel=1e-9)

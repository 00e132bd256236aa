"""Reconstruction quality of one volume, as fastMRI's ``fastmri/evaluate.py`` defines it.

Each function takes the ground truth and the prediction as ``(slices, H, W)``
arrays of one volume; the data range is the ground truth volume's maximum.
"""
import numpy as np
import torch
import torch.nn.functional as F


def _volumes(gt: np.ndarray, pred: np.ndarray) -> tuple:
    gt, pred = np.asarray(gt, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    if gt.shape != pred.shape or gt.ndim != 3:
        raise ValueError(f'gt and pred must be volumes (slices, H, W) of one shape, got '
                         f'{gt.shape} and {pred.shape}')
    return gt, pred


def nmse(gt: np.ndarray, pred: np.ndarray) -> float:
    """``||gt - pred||^2 / ||gt||^2`` over the volume."""
    gt, pred = _volumes(gt, pred)
    return float(np.sum((gt - pred) ** 2) / np.sum(gt ** 2))


def psnr(gt: np.ndarray, pred: np.ndarray) -> float:
    """``10 log10(max(gt)^2 / MSE)`` over the volume (dB)."""
    gt, pred = _volumes(gt, pred)
    mse = np.mean((gt - pred) ** 2)
    return float(10 * np.log10(gt.max() ** 2 / mse)) if mse > 0 else float('inf')


def ssim(gt: np.ndarray, pred: np.ndarray, win_size: int = 7, k1: float = 0.01,
         k2: float = 0.03) -> float:
    """Mean over slices of the 2-D SSIM of Wang et al. (IEEE TIP 2004), each slice with
    the volume's maximum as data range.

    Local statistics are uniform ``win_size x win_size`` means with the
    sample-covariance correction ``n / (n - 1)``, and the SSIM map is averaged
    over the positions whose window lies inside the image (scikit-image's
    ``structural_similarity`` defaults).
    """
    gt, pred = _volumes(gt, pred)
    if min(gt.shape[1:]) < win_size:
        raise ValueError(f'SSIM needs slices of at least {win_size}x{win_size}, got '
                         f'{gt.shape[1:]}')
    data_range = gt.max()
    x, y = torch.from_numpy(gt)[:, None], torch.from_numpy(pred)[:, None]

    def mean(t):
        return F.avg_pool2d(t, win_size, stride=1)

    n = win_size ** 2
    cov = n / (n - 1)
    ux, uy = mean(x), mean(y)
    vx = cov * (mean(x * x) - ux * ux)
    vy = cov * (mean(y * y) - uy * uy)
    vxy = cov * (mean(x * y) - ux * uy)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    return float(s.mean(dim=(1, 2, 3)).mean())

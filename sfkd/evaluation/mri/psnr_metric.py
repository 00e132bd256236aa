"""PSNR of MRI reconstructions, per volume."""
import numpy as np

from sfkd.registry import METRICS

from .functional import psnr
from .volume_metric import VolumeMetric


@METRICS.register_module()
class PSNR(VolumeMetric):
    """Peak signal-to-noise ratio (dB) per volume, ``data_range = gt.max()`` of the
    volume, averaged over volumes (fastMRI's ``evaluate.py`` definition)."""

    name = 'PSNR'
    default_prefix = 'mri'

    def score(self, gt: np.ndarray, pred: np.ndarray) -> float:
        return psnr(gt, pred)

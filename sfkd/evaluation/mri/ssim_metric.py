"""SSIM of MRI reconstructions, per volume."""
import numpy as np

from sfkd.registry import METRICS

from .functional import ssim
from .volume_metric import VolumeMetric


@METRICS.register_module()
class SSIM(VolumeMetric):
    """Structural similarity (Wang et al., IEEE TIP 2004) per volume: the mean of the
    2-D SSIM (7x7 uniform window) over its slices, each with the volume's maximum as
    data range, averaged over volumes (fastMRI's ``evaluate.py`` definition)."""

    name = 'SSIM'
    default_prefix = 'mri'

    def score(self, gt: np.ndarray, pred: np.ndarray) -> float:
        return ssim(gt, pred)

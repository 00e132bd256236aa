"""NMSE of MRI reconstructions, per volume."""
import numpy as np

from sfkd.registry import METRICS

from .functional import nmse
from .volume_metric import VolumeMetric


@METRICS.register_module()
class NMSE(VolumeMetric):
    """Normalised mean squared error ``||gt - pred||^2 / ||gt||^2`` per volume,
    averaged over volumes (fastMRI's ``evaluate.py`` definition)."""

    name = 'NMSE'
    default_prefix = 'mri'

    def score(self, gt: np.ndarray, pred: np.ndarray) -> float:
        return nmse(gt, pred)

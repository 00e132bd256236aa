"""Metrics registered in sfkd's METRICS registry."""
from .calibration_metric import CalibrationMetric  # noqa: F401
from .mri import NMSE, PSNR, SSIM  # noqa: F401

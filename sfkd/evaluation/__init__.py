"""Metrics registered in sfkd's METRICS registry."""
from .mri import NMSE, PSNR, SSIM  # noqa: F401

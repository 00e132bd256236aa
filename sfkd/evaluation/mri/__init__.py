"""Reconstruction metrics (fastMRI's definitions), per volume."""
from .nmse_metric import NMSE
from .psnr_metric import PSNR
from .ssim_metric import SSIM
from .volume_metric import VolumeMetric
from .functional import nmse, psnr, ssim  # noqa: I001 - after the modules of similar names

__all__ = ['NMSE', 'PSNR', 'SSIM', 'VolumeMetric', 'nmse', 'psnr', 'ssim']

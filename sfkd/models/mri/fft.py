"""Orthonormal 2-D Fourier transforms over the last two axes, without shifts."""
import torch
from torch import Tensor


def fft2(image: Tensor) -> Tensor:
    """Unitary 2-D FFT of a real or complex ``(..., H, W)`` tensor (DC term at index 0)."""
    return torch.fft.fft2(image, norm='ortho')


def ifft2(kspace: Tensor) -> Tensor:
    """Inverse of :func:`fft2`."""
    return torch.fft.ifft2(kspace, norm='ortho')

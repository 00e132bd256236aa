"""Data consistency: put the measured k-space samples back into a reconstruction."""
import torch
from torch import Tensor, nn

from sfkd.registry import MODELS

from .fft import fft2, ifft2


@MODELS.register_module()
class DataConsistency(nn.Module):
    """Noiseless data consistency of DC-CNN.

    "A Deep Cascade of Convolutional Neural Networks for Dynamic MR Image
    Reconstruction", J. Schlemper, J. Caballero, J. V. Hajnal, A. N. Price
    and D. Rueckert, IEEE TMI 2018, arXiv:1704.02422.

    ``x_dc = Re(IFFT(M * y + (1 - M) * FFT(x)))`` with the orthonormal FFT:
    where a line was measured (``M = 1``) its k-space value ``y`` replaces the
    network's, elsewhere the network's value is kept. The imaginary part of
    the result is dropped (the images are real).
    """

    def forward(self, image: Tensor, kspace: Tensor, mask: Tensor) -> Tensor:
        """
        Args:
            image: Reconstruction ``(N, 1, H, W)``, real.
            kspace: Measured (already masked) k-space ``(N, 1, H, W)``, complex.
            mask: Sampling mask broadcastable to ``kspace``, 1 where measured.

        Returns:
            The corrected real image ``(N, 1, H, W)``.
        """
        predicted = fft2(image.to(kspace.dtype))
        mixed = mask * kspace + (1 - mask) * predicted
        return torch.real(ifft2(mixed)).to(image.dtype)

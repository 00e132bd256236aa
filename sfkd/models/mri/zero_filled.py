"""The zero-filled reconstruction: inverse FFT of the measured k-space."""
import torch
from torch import Tensor, nn

from sfkd.registry import MODELS

from .fft import ifft2
from .packing import unpack_inputs


@MODELS.register_module()
class ZeroFilled(nn.Module):
    """``Re(IFFT(M * y))`` from packed inputs ``(N, 3, H, W)``; the unlearned baseline
    and the first cascade's input. A named module, so taps and attach points can
    name it (``zero_filled``)."""

    def forward(self, inputs: Tensor) -> Tensor:
        kspace, _ = unpack_inputs(inputs)
        return torch.real(ifft2(kspace)).to(inputs.dtype)

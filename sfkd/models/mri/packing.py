"""The packed input of the MRI models: measured k-space and mask in one real tensor.

A model input is ``(N, 3, H, W)``: channel 0 is the real part of the measured
(masked) k-space, channel 1 its imaginary part, channel 2 the sampling mask.
One tensor keeps the models usable by every wrapper (SFTN, SoTeacher and
Distiller pass one ``inputs`` tensor to both of their models).
"""
from typing import Tuple

import torch
from torch import Tensor

from sfkd.utils.errors import BadConfigError

CHANNELS = 3


def pack_inputs(kspace: Tensor, mask: Tensor) -> Tensor:
    """``(..., H, W)`` complex k-space and a mask broadcastable to it -> ``(..., 3, H, W)``."""
    mask = torch.broadcast_to(mask, kspace.shape).to(kspace.real.dtype)
    return torch.stack([kspace.real, kspace.imag, mask], dim=-3)


def unpack_inputs(inputs: Tensor) -> Tuple[Tensor, Tensor]:
    """``(N, 3, H, W)`` -> complex k-space ``(N, 1, H, W)`` and mask ``(N, 1, H, W)``."""
    if not isinstance(inputs, Tensor) or inputs.dim() != 4 or inputs.shape[1] != CHANNELS:
        shape = tuple(inputs.shape) if isinstance(inputs, Tensor) else type(inputs).__name__
        raise BadConfigError(
            f'MRI model inputs must be (N, 3, H, W) packed k-space (real, imaginary, mask), '
            f'got {shape}; build them with the MRI data pipeline (PackMRIInputs) and set '
            'model.input_shape=(3, H, W)')
    real = inputs if inputs.dtype == torch.float64 else inputs.float()
    return torch.complex(real[:, 0:1], real[:, 1:2]), inputs[:, 2:3]

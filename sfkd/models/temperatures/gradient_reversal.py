"""A gradient reversal layer: the identity forward, the gradient times ``-strength`` backward.

"Unsupervised Domain Adaptation by Backpropagation", Y. Ganin and V. Lempitsky,
ICML 2015, arXiv:1409.7495. Whatever lies behind the layer climbs the loss
that the rest of the model descends: CTKD puts its learnable temperature
there (:class:`~sfkd.models.temperatures.LearnableTemperature`).
"""
import torch
from torch import Tensor


class _ReverseGradient(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor, strength: float) -> Tensor:
        ctx.strength = strength
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return -ctx.strength * grad, None


def reverse_gradient(x: Tensor, strength: float) -> Tensor:
    """``x`` unchanged; in the backward pass its gradient is multiplied by ``-strength``.

    Args:
        x: Any tensor.
        strength: The reversal strength ``lambda`` (0: no gradient reaches ``x``;
            1: the gradient of the loss, reversed).
    """
    return _ReverseGradient.apply(x, float(strength))

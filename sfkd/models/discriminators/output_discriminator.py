"""A small MLP that tells teacher output distributions from student ones."""
from typing import Sequence

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number


@MODELS.register_module()
class OutputDiscriminator(nn.Module):
    """Scores class distributions ``(N, num_classes)``: one logit each, high for "teacher".

    Linear layers of ``hidden_channels`` with LeakyReLU(0.2) between them,
    then a linear layer to one logit.

    Args:
        num_classes: Width of the distributions it scores.
        hidden_channels: Widths of the hidden layers. Defaults to (64, 64).
    """

    def __init__(self, num_classes: int, hidden_channels: Sequence[int] = (64, 64)) -> None:
        super().__init__()
        self.num_classes = number(num_classes, 'discriminator.num_classes', at_least=2,
                                  integer=True)
        if not isinstance(hidden_channels, (list, tuple)) or not all(
                isinstance(c, int) and c > 0 for c in hidden_channels):
            raise BadConfigError(f'discriminator.hidden_channels must be a list of positive '
                                 f'ints, e.g. (64, 64), got {hidden_channels!r}')
        layers, width = [], self.num_classes
        for channels in hidden_channels:
            layers += [nn.Linear(width, channels), nn.LeakyReLU(0.2)]
            width = channels
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        """Return one logit per row of ``probs`` (shape ``(N,)``)."""
        if probs.dim() != 2 or probs.shape[1] != self.num_classes:
            raise ValueError(f'the discriminator scores (N, {self.num_classes}) distributions, '
                             f'got {tuple(probs.shape)}; set discriminator.num_classes to the '
                             'number of classes')
        return self.net(probs).squeeze(1)

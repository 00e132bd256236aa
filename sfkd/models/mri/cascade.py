"""One DC-CNN cascade: a plain CNN followed by data consistency."""
from collections import OrderedDict

from torch import Tensor, nn

from sfkd.registry import MODELS

from .data_consistency import DataConsistency


@MODELS.register_module()
class DCCascade(nn.Module):
    """``num_convs`` 3x3 convolutions ``1 -> channels -> ... -> 1`` with ReLUs
    between them, then :class:`DataConsistency`.

    The layers are named ``cnn.conv1``, ``cnn.relu1``, ..., ``cnn.conv<n>`` so
    feature taps can name them (e.g. ``cascades.0.cnn.relu3``).

    Args:
        num_convs: Convolutions in the CNN (at least 2).
        channels: Width of the hidden layers.
        residual: Add the cascade's input to the CNN output before data
            consistency (Schlemper et al.'s DC-CNN); the SFT-KD-Recon code has
            no residual connection, which is the default.
    """

    def __init__(self, num_convs: int = 5, channels: int = 32, residual: bool = False) -> None:
        super().__init__()
        if not isinstance(num_convs, int) or num_convs < 2:
            raise ValueError(f'DCCascade.num_convs must be an int >= 2, got {num_convs!r}')
        layers = OrderedDict()
        widths = [1] + [channels] * (num_convs - 1) + [1]
        for i in range(num_convs):
            layers[f'conv{i + 1}'] = nn.Conv2d(widths[i], widths[i + 1], 3, padding=1)
            if i < num_convs - 1:
                layers[f'relu{i + 1}'] = nn.ReLU()
        self.cnn = nn.Sequential(layers)
        self.residual = residual
        self.dc = DataConsistency()

    def forward(self, image: Tensor, kspace: Tensor, mask: Tensor) -> Tensor:
        out = self.cnn(image)
        if self.residual:
            out = out + image
        return self.dc(out, kspace, mask)

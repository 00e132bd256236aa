"""DC-CNN: a cascade of CNNs with data consistency, as an MMEngine model."""
import re
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from .cascade import DCCascade
from .packing import unpack_inputs
from .zero_filled import ZeroFilled

ARCH = re.compile(r'^D(\d+)C(\d+)$')


def parse_arch(arch: str) -> Dict[str, int]:
    """``'D5C5'`` -> ``dict(convs_per_cascade=5, num_cascades=5)`` (DC-CNN's naming:
    D convolutions per cascade, C cascades)."""
    match = ARCH.match(str(arch))
    if not match:
        raise BadConfigError(f"DCCNN.arch must read 'D<convs>C<cascades>', e.g. 'D5C5' (the "
                             f"SFT-KD-Recon teacher) or 'D3C5' (its student), got {arch!r}")
    return dict(convs_per_cascade=int(match.group(1)), num_cascades=int(match.group(2)))


@MODELS.register_module()
class DCCNN(BaseModel):
    """Deep cascade of CNNs for single-coil MRI reconstruction.

    Schlemper et al., IEEE TMI 2018 (arXiv:1704.02422), in the configuration of
    SFT-KD-Recon (Matcha et al., MIDL 2024, arXiv:2304.05057): teacher ``D5C5``
    (5 cascades of 5 convolutions, 141,765 parameters) and student ``D3C5``
    (5 cascades of 3 convolutions, 49,285 parameters).

    The input is the packed measurement ``(N, 3, H, W)`` (see
    :mod:`sfkd.models.mri.packing`); ``zero_filled`` computes the zero-filled
    image, and each cascade ``cascades.<i>`` refines it and restores the
    measured k-space. With ``num_cascades=0`` the model is the zero-filled
    baseline.

    Modes: ``tensor`` returns the reconstruction ``(N, 1, H, W)``; ``loss``
    returns ``{'loss': L1(reconstruction, gt_img)}``; ``predict`` returns the
    data samples with ``pred_img`` (and ``zero_filled_img``) set, each ``(1, H, W)``.

    Args:
        arch: ``'D<convs>C<cascades>'``; overrides the two counts below.
        num_cascades: Number of cascades.
        convs_per_cascade: Convolutions per cascade.
        channels: Hidden width of every cascade.
        residual: Residual connection around each CNN (see :class:`DCCascade`).
        data_preprocessor: Defaults to ``ImgDataPreprocessor`` (stacks the batch).
        init_cfg: MMEngine initialisation config.
    """

    def __init__(self,
                 arch: Optional[str] = None,
                 num_cascades: int = 5,
                 convs_per_cascade: int = 5,
                 channels: int = 32,
                 residual: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='ImgDataPreprocessor'),
                         init_cfg=init_cfg)
        if arch is not None:
            counts = parse_arch(arch)
            num_cascades, convs_per_cascade = counts['num_cascades'], counts['convs_per_cascade']
        if not isinstance(num_cascades, int) or num_cascades < 0:
            raise BadConfigError(f'DCCNN.num_cascades must be an int >= 0, got {num_cascades!r}')
        self.arch = f'D{convs_per_cascade}C{num_cascades}'
        self.zero_filled = ZeroFilled()
        self.cascades = nn.ModuleList(
            DCCascade(convs_per_cascade, channels, residual) for _ in range(num_cascades))

    def reconstruct(self, inputs: Tensor) -> Tensor:
        """The reconstruction ``(N, 1, H, W)`` of packed inputs ``(N, 3, H, W)``."""
        kspace, mask = unpack_inputs(inputs)
        image = self.zero_filled(inputs)
        for cascade in self.cascades:
            image = cascade(image, kspace, mask)
        return image

    def forward(self, inputs: Tensor, data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor') -> Union[Tensor, Dict[str, Tensor], List[BaseDataElement]]:
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        image = self.reconstruct(inputs)
        if mode == 'tensor':
            return image
        if mode == 'loss':
            return dict(loss=F.l1_loss(image, self._targets(data_samples, image)))
        if mode == 'predict':
            return self._predictions(inputs, image, data_samples)
        raise ValueError(f"DCCNN mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    @staticmethod
    def _targets(data_samples: Optional[List[BaseDataElement]], image: Tensor) -> Tensor:
        if not data_samples or not all('gt_img' in ds for ds in data_samples):
            raise BadConfigError('DCCNN loss mode needs data samples with gt_img; build the '
                                 'batches with the MRI data pipeline (PackMRIInputs)')
        gt = torch.stack([ds.gt_img for ds in data_samples]).to(image)
        if gt.shape != image.shape:
            raise BadConfigError(f'gt_img batch {tuple(gt.shape)} does not match the '
                                 f'reconstruction {tuple(image.shape)}')
        return gt

    def _predictions(self, inputs: Tensor, image: Tensor,
                     data_samples: Optional[List[BaseDataElement]]) -> List[BaseDataElement]:
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(image.shape[0])]
        zero_filled = self.zero_filled(inputs)
        for ds, pred, zf in zip(data_samples, image.detach(), zero_filled.detach()):
            ds.pred_img = pred
            ds.zero_filled_img = zf
        return data_samples

    def state_mismatch_hint(self, state: Dict[str, Tensor]) -> Optional[str]:
        """Explain a checkpoint of another cascade or conv count (used by ``load_weights``)."""
        found = {int(m.group(1)) for k in state for m in [re.match(r'cascades\.(\d+)\.', k)] if m}
        convs = {int(m.group(1)) for k in state
                 for m in [re.match(r'cascades\.0\.cnn\.conv(\d+)\.weight$', k)] if m}
        n_ckpt = max(found) + 1 if found else 0
        c_ckpt = max(convs) if convs else None
        if n_ckpt == len(self.cascades) and (c_ckpt is None or f'D{c_ckpt}' ==
                                            self.arch.split('C')[0]):
            return None
        arch = f'D{c_ckpt}C{n_ckpt}' if c_ckpt else f'{n_ckpt} cascades'
        return (f'the checkpoint is a {arch} DC-CNN ({n_ckpt} cascades) but the model is '
                f'{self.arch} ({len(self.cascades)} cascades); set the model arch to '
                f"'{arch}' or load a {self.arch} checkpoint")

"""SoTeacher's Lipschitz regulariser: a sum of per-layer Lipschitz bounds."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from .base import TeacherRegularizer

_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


@MODELS.register_module()
class LipschitzRegularizer(TeacherRegularizer):
    """Penalises the teacher's Lipschitz constant, layer by layer.

    From "SoTeacher: A Student-oriented Teacher Network Training Framework for
    Knowledge Distillation", C. Dong, L. Liu and J. Shang, ICLR 2024,
    arXiv:2206.06661. The term is ``weight * sum over leaf layers of b(layer)``.

    ``mode='l1'`` uses the bounds of the official code:
    Conv2d, the entrywise L1 norm of the weight; Linear, the largest column L1
    sum (max over inputs of sum over outputs of ``|w|``); BatchNorm,
    ``max_c |gamma_c| / sqrt(running_var_c + eps)``.

    ``mode='spectral'`` replaces the Conv2d and Linear bounds by the largest
    singular value of the weight (a conv kernel reshaped to
    ``(out, in * k * k)``), estimated by power iteration with the usual
    ``u^T W v`` estimate (gradient through ``W``, not through ``u``, ``v``).
    The vectors are kept between calls (warm start), so a few iterations per
    step suffice; they are not saved in checkpoints and restart after a resume.

    Args:
        mode: ``'l1'`` (default, as in the official code) or ``'spectral'``.
        power_iters: Power iterations per call in spectral mode.
        weight: Multiplier of the term (1e-5 in the paper's setting).
    """

    def __init__(self, mode: str = 'l1', power_iters: int = 2, weight: float = 1e-5) -> None:
        super().__init__(weight)
        if mode not in ('l1', 'spectral'):
            raise BadConfigError(f"LipschitzRegularizer mode must be 'l1' or 'spectral', got {mode!r}")
        self.mode = mode
        self.power_iters = number(power_iters, 'power_iters', at_least=1, integer=True,
                                  why='power iterations per step')
        self._vectors: Dict[str, torch.Tensor] = {}

    def forward(self, teacher: nn.Module, output: Optional[torch.Tensor] = None,
                index: Optional[torch.Tensor] = None, epoch: int = 0,
                max_epochs: int = 1) -> torch.Tensor:
        terms = [self.layer_bound(name, m) for name, m in teacher.named_modules()
                 if isinstance(m, (nn.Conv2d, nn.Linear) + _BN)]
        if not terms:
            raise BadConfigError('LipschitzRegularizer found no Conv2d, Linear or BatchNorm layer '
                             'in the teacher')
        return self.weight * torch.stack(terms).sum()

    def layer_bound(self, name: str, module: nn.Module) -> torch.Tensor:
        if isinstance(module, _BN):
            gamma = module.weight if module.weight is not None else \
                torch.ones_like(module.running_var)
            return (gamma.abs() / torch.sqrt(module.running_var + module.eps)).max()
        w = module.weight
        if self.mode == 'l1':
            if isinstance(module, nn.Linear):
                return w.abs().sum(dim=0).max()
            return w.abs().sum()
        return self._spectral_norm(name, w.flatten(1))

    def _spectral_norm(self, name: str, w: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            u = self._vectors.get(name)
            if u is None or u.shape[0] != w.shape[0] or u.device != w.device:
                u = F.normalize(torch.ones(w.shape[0], device=w.device, dtype=w.dtype), dim=0)
            for _ in range(max(self.power_iters, 1)):
                v = F.normalize(w.t() @ u, dim=0)
                u = F.normalize(w @ v, dim=0)
            self._vectors[name] = u
        return u @ w @ v

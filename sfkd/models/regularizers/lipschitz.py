"""SoTeacher's Lipschitz regulariser: a sum of per-layer Lipschitz bounds."""
from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..training_progress import SET_PROGRESS_FIX, ProgressAware
from .base import TeacherRegularizer

_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)

#: optimiser steps of the official SoTeacher teacher runs, for which the weight 1e-5
#: was set: CIFAR-100's 50,000 images in batches of 64 (782 steps an epoch), 240 epochs
REFERENCE_STEPS = 782 * 240


def weight_for_steps(weight: float, steps: int, reference_steps: int = REFERENCE_STEPS) -> float:
    """``weight * reference_steps / steps``: the Lipschitz weight that gives a run of
    ``steps`` optimiser steps the same total pull on the weights as ``weight`` gives a
    run of ``reference_steps`` (see :class:`LipschitzRegularizer` for the derivation).
    """
    steps = number(steps, 'steps', at_least=1, integer=True, why='optimiser steps of the run')
    reference_steps = number(reference_steps, 'reference_steps', at_least=1, integer=True,
                             why='optimiser steps the weight was set for')
    return number(weight, 'weight', at_least=0) * reference_steps / steps


@MODELS.register_module()
class LipschitzRegularizer(ProgressAware, TeacherRegularizer):
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

    Scaling the weight to the length of the run (``steps``). The term's share of
    an SGD update of a weight ``w`` at step ``t`` is ``-lr_t * weight * dR/dw``.
    With the L1 bounds ``|dR/dw|`` is 1 for every conv weight (``sign(w)``) and
    for the one entry that holds a Linear or BatchNorm maximum, whatever the
    weights are, so over a run the term moves each weight by
    ``weight * sum_t lr_t`` at most (momentum multiplies this by the same
    ``1 / (1 - momentum)`` in every run). The official weight 1e-5 was set for
    ``REFERENCE_STEPS`` = 782 x 240 = 187,680 steps (CIFAR-100, batch 64, 240
    epochs). A run of ``steps`` steps with the same learning-rate schedule
    shape and peak has ``sum_t lr_t`` in proportion to ``steps``, so the same
    total pull needs ``weight * reference_steps / steps``: about 1e-3 for
    ~1.9k steps. Where the mean learning rate differs as well, the general
    rule keeps ``weight * sum_t lr_t`` fixed; this option scales by steps only.
    What the rule does not keep is the balance with the task loss at each
    step: the term pushes a conv weight towards zero by ``weight`` per unit of
    learning rate whatever the weight is, so it wins wherever the task loss's
    gradient on that weight is smaller. Scaled up a hundredfold or more (a few
    thousand steps or fewer), it can outweigh the task loss and shrink the
    teacher towards a poor one within the run; check the teacher's accuracy.
    The rule makes the term act as much in total as in the official runs;
    whether that helps a short run is for the experiment to show, which is why
    it is an option.

    ``steps=None`` (default) uses ``weight`` as given; an integer scales it by
    ``reference_steps / steps``; ``'auto'`` takes the run's ``max_iters``
    from the model's progress (:mod:`sfkd.models.training_progress`), which
    sfkd's ``TrainingProgressHook`` sets before training, so it follows
    ``--cfg-options train_cfg.max_epochs=...`` and training subsets; a
    regulariser stepped by hand is told it by ``set_progress``.

    Args:
        mode: ``'l1'`` (default, as in the official code) or ``'spectral'``.
        power_iters: Power iterations per call in spectral mode.
        weight: Multiplier of the term (1e-5 in the paper's setting), for a run
            of ``reference_steps`` steps when ``steps`` is given.
        steps: ``None``, the run's number of optimiser steps, or ``'auto'``.
        reference_steps: Steps ``weight`` was set for (the official runs').
    """

    def __init__(self, mode: str = 'l1', power_iters: int = 2, weight: float = 1e-5,
                 steps: Union[int, str, None] = None,
                 reference_steps: int = REFERENCE_STEPS) -> None:
        super().__init__(weight)
        if mode not in ('l1', 'spectral'):
            raise BadConfigError(f"LipschitzRegularizer mode must be 'l1' or 'spectral', got {mode!r}")
        self.mode = mode
        self.power_iters = number(power_iters, 'power_iters', at_least=1, integer=True,
                                  why='power iterations per step')
        if not (steps is None or steps == 'auto'):
            steps = number(steps, 'steps', at_least=1, integer=True,
                           why="the run's optimiser steps; or 'auto', or None for the weight "
                               'as given')
        self.steps = steps
        self.reference_steps = number(reference_steps, 'reference_steps', at_least=1,
                                      integer=True, why='optimiser steps the weight was set for')
        self._vectors: Dict[str, torch.Tensor] = {}

    def forward(self, teacher: nn.Module, output: Optional[torch.Tensor] = None,
                index: Optional[torch.Tensor] = None, epoch: int = 0,
                max_epochs: Optional[int] = None) -> torch.Tensor:
        terms = [self.layer_bound(name, m) for name, m in teacher.named_modules()
                 if isinstance(m, (nn.Conv2d, nn.Linear) + _BN)]
        if not terms:
            raise BadConfigError('LipschitzRegularizer found no Conv2d, Linear or BatchNorm layer '
                             'in the teacher')
        return self.effective_weight() * torch.stack(terms).sum()

    def effective_weight(self) -> float:
        """The multiplier in use: ``weight``, scaled to the run's steps if ``steps`` is set."""
        if self.steps is None:
            return self.weight
        steps = self.steps
        if steps == 'auto':
            steps = self.progress.max_iters
            if steps is None:
                raise BadConfigError(
                    "LipschitzRegularizer steps='auto' has no max_iters (the run's optimiser "
                    f'steps): {SET_PROGRESS_FIX}; or give the number of steps instead, '
                    'e.g. steps=1876')
        return weight_for_steps(self.weight, steps, self.reference_steps)

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

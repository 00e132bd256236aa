"""CTKD's learnable temperature: one parameter behind a gradient reversal layer,
with a cosine curriculum for the reversal strength."""
import math

import torch
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number

from ..training_progress import ProgressAware
from .gradient_reversal import reverse_gradient
from .temperature_option import Temperature


def curriculum_strength(epoch: int, lambda_min: float, lambda_max: float,
                        curriculum_epochs: int) -> float:
    """CTKD's reversal strength in training epoch ``epoch`` (counted from 1):
    ``lambda_min + (lambda_max - lambda_min) / 2 * (1 + cos((1 + min(epoch, E) / E) * pi))``
    with ``E = curriculum_epochs``; ``lambda_min`` before the first epoch, rising as a
    half cosine to ``lambda_max`` at epoch ``E`` and staying there."""
    done = min(max(epoch, 0), curriculum_epochs) / curriculum_epochs
    return lambda_min + 0.5 * (lambda_max - lambda_min) * (1 + math.cos((1 + done) * math.pi))


@MODELS.register_module()
class LearnableTemperature(ProgressAware, Temperature):
    """The global learnable temperature of Curriculum Temperature KD (CTKD).

    "Curriculum Temperature for Knowledge Distillation", Z. Li, X. Li, L. Yang,
    B. Zhao, R. Song, L. Luo, J. Li and J. Yang, AAAI 2023, arXiv:2211.16231.

    One parameter ``T_pred`` makes the temperature of a logit loss::

        tau = tau_min + tau_range * sigmoid(GRL_lambda(T_pred))

    so ``tau`` stays in the open interval ``(tau_min, tau_min + tau_range)``
    (the paper's ``tau_init`` and ``tau_range``, 1 and 20). The gradient
    reversal layer ``GRL_lambda`` (:func:`reverse_gradient`) passes ``T_pred``
    on unchanged and multiplies its gradient by ``-lambda``: trained by the
    same optimiser step as the student, the temperature moves to *raise* the
    distillation loss the student lowers (the paper's min-max game, its
    eqs. 3-8). ``lambda`` follows the paper's cosine curriculum (eq. 11),
    easy to hard::

        lambda_n = lambda_min + (lambda_max - lambda_min) / 2
                   * (1 + cos((1 + min(n, E) / E) * pi))

    where ``n`` is the training epoch counted from 1 (``progress.epoch + 1``,
    as the authors' code counts it) and ``E = curriculum_epochs`` (10 on
    CIFAR-100 and 5 on ImageNet in the authors' scripts). The epoch comes from
    the model's progress (:mod:`sfkd.models.training_progress`), which sfkd's
    runner sets before every epoch; a model stepped by hand is told it with
    ``model.set_progress(epoch)`` (without it, the first epoch's ``lambda``).
    An iteration-based loop counts as one epoch, so ``lambda`` stays at its
    first value there.

    ``T_pred`` starts at ``init`` (1, as in the authors' code: ``tau`` starts at
    ``1 + 20 * sigmoid(1) = 15.62``). It lives inside the distill loss, hence
    inside the :class:`~sfkd.models.algorithms.Distiller`: the run's optimiser
    trains it with the student (weight decay included, as in the authors'
    code) and the Distiller's checkpoints keep it; the exported student does
    not.

    Give it to a temperature-scaled logit loss in place of its number::

        dict(type='KDLoss', tau=dict(type='LearnableTemperature'))

    Args:
        tau_min: The lowest temperature (the paper's ``tau_init``). Defaults to 1.
        tau_range: The width of the temperature's range. Defaults to 20.
        init: The initial ``T_pred``. Defaults to 1.
        lambda_min: The reversal strength of the curriculum's start. Defaults to 0.
        lambda_max: The reversal strength at its end. Defaults to 1.
        curriculum_epochs: The epochs ``E`` over which ``lambda`` rises. Defaults to 10.
    """

    def __init__(self, tau_min: float = 1.0, tau_range: float = 20.0, init: float = 1.0,
                 lambda_min: float = 0.0, lambda_max: float = 1.0,
                 curriculum_epochs: int = 10) -> None:
        super().__init__()
        self.tau_min = number(tau_min, 'tau_min', above=0, why='the lowest softmax temperature')
        self.tau_range = number(tau_range, 'tau_range', above=0,
                                why="the width of the temperature's range")
        self.lambda_min = number(lambda_min, 'lambda_min', at_least=0,
                                 why='the reversal strength at the start of the curriculum')
        self.lambda_max = number(lambda_max, 'lambda_max', at_least=0,
                                 why='the reversal strength at the end of the curriculum')
        if self.lambda_max < self.lambda_min:
            raise BadConfigError(
                f'lambda_max must be >= lambda_min (the curriculum raises the reversal '
                f'strength from lambda_min to lambda_max), got lambda_min={self.lambda_min:g} '
                f'and lambda_max={self.lambda_max:g}')
        self.curriculum_epochs = number(curriculum_epochs, 'curriculum_epochs', at_least=1,
                                        integer=True,
                                        why='the epochs over which the reversal strength rises')
        self.t_pred = nn.Parameter(torch.tensor(number(init, 'init')))

    def reversal_strength(self) -> float:
        """``lambda`` of the current epoch (``self.progress.epoch + 1`` in the curriculum)."""
        return curriculum_strength(self.progress.epoch + 1, self.lambda_min, self.lambda_max,
                                   self.curriculum_epochs)

    def forward(self) -> Tensor:
        """The current temperature, a 0-d tensor whose gradient reaches ``t_pred``
        reversed and scaled by :meth:`reversal_strength`."""
        t_pred = reverse_gradient(self.t_pred, self.reversal_strength())
        return self.tau_min + self.tau_range * torch.sigmoid(t_pred)

    def extra_repr(self) -> str:
        return (f'tau in ({self.tau_min:g}, {self.tau_min + self.tau_range:g}), '
                f'lambda {self.lambda_min:g} -> {self.lambda_max:g} over '
                f'{self.curriculum_epochs} epochs')

"""Adversarial KD: the student learns to make outputs a discriminator takes for the teacher's."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number
from .adversarial_base import AdversarialLoss


@MODELS.register_module()
class AdversarialKDLoss(AdversarialLoss):
    """The adversarial term of LW-KD's enhanced KD loss.

    "Learning from a Lightweight Teacher for Efficient Knowledge
    Distillation", Y. Liu, W. Zhang and J. Wang, arXiv:2005.09163 (2020).

    A discriminator ``D`` (by default
    :class:`~sfkd.models.discriminators.OutputDiscriminator`) scores output
    distributions ``p = softmax(logits / tau)``. With ``sigma`` the logistic
    function, the student's term (this loss's value, logged as
    ``distill.<name>``) is the non-saturating generator loss

        ``L_adv = -mean(log sigma(D(p_s)))``,

    and :meth:`discriminator_losses` gives the discriminator's two terms on
    the same batch, detached from the student and the teacher:

        ``loss_real = -mean(log sigma(D(p_t)))``,
        ``loss_fake = -mean(log(1 - sigma(D(p_s))))``.

    An :class:`~sfkd.models.algorithms.AdversarialDistiller` (the only
    distiller that takes this loss) alternates a student update and a
    discriminator update every iteration, with two optimisers
    (``optim_wrapper`` keys ``student`` and ``discriminator``), and logs the
    terms as ``disc.loss_real`` and ``disc.loss_fake``.

    Args:
        discriminator: Config of the discriminator module.
        tau: Temperature of the scored distributions. Defaults to 1.
        loss_weight: Multiplier of the student's term. Defaults to 1.0.
    """

    def __init__(self, discriminator: dict, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if isinstance(discriminator, nn.Module):
            self.discriminator = discriminator
        elif isinstance(discriminator, dict) and 'type' in discriminator:
            self.discriminator = MODELS.build(discriminator)
        else:
            raise BadConfigError('discriminator must be a module config, e.g. '
                                 "discriminator=dict(type='OutputDiscriminator', num_classes=10), "
                                 f'got {discriminator!r}')
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')
        self._last: Optional[Tuple[Tensor, Tensor]] = None

    def compute(self, student: Tensor, teacher: Tensor) -> Tensor:
        """The student's (generator's) term; keeps the batch for :meth:`discriminator_losses`.

        Args:
            student: Student logits ``(N, C)``.
            teacher: Teacher logits ``(N, C)`` (detached here).
        """
        if student.shape != teacher.shape or student.dim() != 2:
            raise ValueError(f'student {tuple(student.shape)} and teacher '
                             f'{tuple(teacher.shape)} must be logits of the same shape (N, C)')
        p_s = F.softmax(student / self.tau, dim=1)
        p_t = F.softmax(teacher.detach() / self.tau, dim=1)
        self._last = (p_s.detach(), p_t)
        return F.softplus(-self.discriminator(p_s)).mean()

    def discriminator_losses(self) -> Dict[str, Tensor]:
        """``loss_real`` and ``loss_fake`` of the discriminator on the last batch."""
        if self._last is None:
            raise RuntimeError('AdversarialKDLoss.discriminator_losses() needs a forward pass '
                               'first (it scores the last batch)')
        p_s, p_t = self._last
        self._last = None
        return dict(loss_real=F.softplus(-self.discriminator(p_t)).mean(),
                    loss_fake=F.softplus(self.discriminator(p_s)).mean())

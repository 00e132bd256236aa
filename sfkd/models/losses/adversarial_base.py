"""The base of distill losses that train a discriminator against the student."""
from typing import Dict

from torch import Tensor, nn

from .base import DistillLoss


class AdversarialLoss(DistillLoss):
    """A distill loss with a discriminator, trained in alternation with the student.

    Its value (the forward pass) is the student's term, scored by
    ``discriminator``; :meth:`discriminator_losses` then gives the
    discriminator's own terms on the batch of that forward pass, detached from
    the student. Only an
    :class:`~sfkd.models.algorithms.AdversarialDistiller` trains such a loss:
    it updates the student with the discriminator fixed, then the
    discriminator with its own optimiser.

    Subclasses set ``self.discriminator`` (a module) and implement
    :meth:`compute` and :meth:`discriminator_losses`.
    """

    algorithm = 'AdversarialDistiller'
    discriminator: nn.Module

    def discriminator_losses(self) -> Dict[str, Tensor]:
        """``{name: value}`` of the discriminator's terms on the last forward pass's batch."""
        raise NotImplementedError

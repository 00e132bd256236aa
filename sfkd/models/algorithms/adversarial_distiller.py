"""Stage 2 with adversarial distill losses: the student and the discriminators in alternation."""
from typing import Dict, Union

import torch
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..losses.adversarial_base import AdversarialLoss
from .distiller import Distiller
from .prefix import prefix_losses

WRAPPERS = ('student', 'discriminator')
OPTIM_WRAPPER_EXAMPLE = (
    "optim_wrapper=dict(constructor='DistillerOptimWrapperConstructor', student=dict("
    "type='OptimWrapper', optimizer=...), discriminator=dict(type='OptimWrapper', "
    'optimizer=...))')


@MODELS.register_module()
class AdversarialDistiller(Distiller):
    """A :class:`Distiller` whose distill losses include adversarial ones.

    An adversarial loss (an :class:`~sfkd.models.losses.AdversarialLoss`,
    e.g. :class:`~sfkd.models.losses.AdversarialKDLoss` of LW-KD) scores the
    student with a discriminator that is itself trained. Every training step
    alternates: the student (and every other trainable part) is updated with
    the discriminators fixed, then the discriminators on the detached outputs
    of that step. The two updates have their own optimisers, in an
    ``OptimWrapperDict`` with the keys ``student`` and ``discriminator``
    (built by :class:`~sfkd.engine.DistillerOptimWrapperConstructor`)::

        model = dict(type='AdversarialDistiller', ...)  # the Distiller's options
        optim_wrapper = dict(
            constructor='DistillerOptimWrapperConstructor',
            student=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
            discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))

    The discriminators' terms are logged as ``disc.<term>`` (e.g.
    ``disc.loss_real``). A model without an adversarial loss is refused when
    it is built (a plain ``Distiller`` trains it), and an optimiser wrapper
    without those two keys when the wrapper is built
    (:meth:`check_optim_wrapper`), or else at the first training step.

    The alternating step runs in :meth:`train_step`, which MMEngine's DDP
    wrapper does not call: training runs in one process.

    Takes the options of :class:`Distiller`.
    """

    # how to configure it, for the error that refuses its losses elsewhere
    usage = f'with {OPTIM_WRAPPER_EXAMPLE}, as the sfkd::lwkd/ configs do'

    def _check_and_size(self, connector_cfgs: Dict[str, dict]) -> None:
        if not self.discriminators():
            raise BadConfigError(
                f'model.type=AdversarialDistiller, but none of the distill losses '
                f'{sorted(self.distill_losses)} is adversarial (has a discriminator); use '
                "model.type='Distiller', or add one, e.g. dict(type='AdversarialKDLoss', "
                "discriminator=dict(type='OutputDiscriminator', num_classes=10))")
        super()._check_and_size(connector_cfgs)

    def discriminators(self) -> Dict[str, nn.Module]:
        """``{loss name: discriminator}`` of the adversarial distill losses."""
        return {name: loss.discriminator for name, loss in self.distill_losses.items()
                if isinstance(loss, AdversarialLoss)}

    def check_optim_wrapper(self, optim_wrapper) -> None:
        """Refuse an optimiser wrapper without the ``student`` and ``discriminator`` keys."""
        names = set(getattr(optim_wrapper, 'optim_wrappers', None) or {})
        missing = [key for key in WRAPPERS if key not in names]
        if missing:
            loss = next(iter(self.discriminators()))
            got = f'an OptimWrapperDict with {sorted(names)}' if names else \
                f'one {type(optim_wrapper).__name__}'
            raise BadConfigError(
                f'optim_wrapper has no {" and no ".join(map(repr, missing))} wrapper (got '
                f'{got}): distill loss {loss!r} has a discriminator, which needs its own '
                f'optimiser; set {OPTIM_WRAPPER_EXAMPLE}')

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper) -> Dict[str, torch.Tensor]:
        """The student step with the discriminators fixed, then the discriminator step."""
        self.check_optim_wrapper(optim_wrapper)
        discriminators = self.discriminators()
        student_wrapper = optim_wrapper['student']
        disc_wrapper = optim_wrapper['discriminator']
        disc_params = [p for d in discriminators.values() for p in d.parameters()]
        # 1. the student step: the discriminators take no gradient from it
        with student_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            for p in disc_params:
                p.requires_grad_(False)
            try:
                losses = self._run_forward(data, mode='loss')
            finally:
                for p in disc_params:
                    p.requires_grad_(True)
        parsed, log_vars = self.parse_losses(losses)
        student_wrapper.update_params(parsed)
        # 2. the discriminator step, on the detached outputs of the student step
        disc_wrapper.zero_grad()
        with disc_wrapper.optim_context(self):
            disc_losses = {}
            for name in discriminators:
                disc_losses.update(
                    prefix_losses(self.distill_losses[name].discriminator_losses(), 'disc'))
        disc_total, disc_vars = self.parse_losses(disc_losses)
        disc_wrapper.update_params(disc_total)
        log_vars.update({k: v for k, v in disc_vars.items() if k != 'loss'})
        return log_vars

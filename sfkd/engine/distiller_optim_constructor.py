"""Two optimisers for an AdversarialDistiller: the student's and the discriminators'."""
from typing import Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from sfkd.registry import OPTIM_WRAPPER_CONSTRUCTORS
from sfkd.utils.errors import BadConfigError

PARTS = ('student', 'discriminator')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DistillerOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` with keys ``student`` and ``discriminator``.

    ``student`` optimises every trainable parameter of the distiller except
    the discriminators' (the student, connectors such as SKD's simplifier,
    trainable loss parts), with its own ``paramwise_cfg`` when given;
    ``discriminator`` optimises the discriminators of the adversarial distill
    losses (:meth:`~sfkd.models.algorithms.AdversarialDistiller.discriminators`)::

        optim_wrapper = dict(
            constructor='DistillerOptimWrapperConstructor',
            student=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
            discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))

    The same ``param_scheduler`` list then schedules both.

    Args:
        optim_wrapper_cfg: ``dict(student=..., discriminator=...)``, each an
            optimiser wrapper config with an ``optimizer``.
        paramwise_cfg: Not used here; give it inside ``student``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        missing = [p for p in PARTS if not isinstance(optim_wrapper_cfg.get(p), dict)]
        extra = sorted(set(optim_wrapper_cfg) - set(PARTS))
        if missing or extra:
            raise BadConfigError(
                f'optim_wrapper (DistillerOptimWrapperConstructor) needs exactly the wrappers '
                f'{list(PARTS)}; missing {missing}, unknown {extra}: e.g. optim_wrapper=dict('
                "constructor='DistillerOptimWrapperConstructor', student=dict(type="
                "'OptimWrapper', optimizer=...), discriminator=dict(type='OptimWrapper', "
                'optimizer=...))')
        if paramwise_cfg:
            raise BadConfigError('optim_wrapper.paramwise_cfg: give it inside '
                                 'optim_wrapper.student (or .discriminator)')
        self.cfgs = {p: dict(optim_wrapper_cfg[p]) for p in PARTS}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            # MMEngine's DDP wrapper runs its own training step, not AdversarialDistiller's
            raise BadConfigError(
                f'optim_wrapper.discriminator: the alternating student/discriminator updates '
                f'run in one process, but the model is wrapped in {type(model).__name__}; '
                'train without --launcher (one process, one GPU or the CPU)')
        from sfkd.models.algorithms import AdversarialDistiller
        if not isinstance(model, AdversarialDistiller):
            raise BadConfigError('optim_wrapper.discriminator is set, but no distill loss of the '
                                 'model has a discriminator; use a plain optim_wrapper=dict('
                                 "type='OptimWrapper', optimizer=...)")
        discriminators = model.discriminators()
        disc = nn.ModuleList(discriminators.values())
        taken = {id(p) for p in disc.parameters()}
        return OptimWrapperDict(student=self._build('student', model, taken),
                                discriminator=self._build('discriminator', disc, set()))

    def _build(self, part: str, module: nn.Module, skip: set):
        cfg = dict(self.cfgs[part])
        paramwise = cfg.pop('paramwise_cfg', None)
        if 'optimizer' not in cfg:
            raise BadConfigError(f'optim_wrapper.{part} has no optimizer; add e.g. '
                                 f"optimizer=dict(type='SGD', lr=0.1)")
        # paramwise_cfg={} keeps the per-parameter path, where skipped parameters drop out
        constructor = _Without(cfg, paramwise or {'bypass_duplicate': False}, skip)
        return constructor(module)


class _Without(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor, leaving out the parameters in ``skip``."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict, skip: set) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        self.skip = skip

    def add_params(self, params, module, prefix: str = '', **kwargs) -> None:
        super().add_params(params, module, prefix=prefix, **kwargs)
        if prefix == '':  # the top call: drop the skipped parameters' groups
            params[:] = [g for g in params if not any(id(p) in self.skip for p in g['params'])]

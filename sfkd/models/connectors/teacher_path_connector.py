"""Run modules of the frozen teacher on a student record (CrossKD's cross-head path)."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence

from torch import Tensor, nn
from torch.func import functional_call

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from ..taps import resolve_module

LEVEL = '{level}'


def first_layer(module: nn.Module) -> Optional[nn.Module]:
    """The first convolution or linear layer of ``module``, or ``None``."""
    for layer in module.modules():
        if isinstance(layer, (nn.modules.conv._ConvNd, nn.Linear)):
            return layer
    return None


def input_channels(layer: Optional[nn.Module]) -> Optional[int]:
    """The channels (features) ``layer`` takes."""
    if layer is None:
        return None
    return layer.in_features if isinstance(layer, nn.Linear) else layer.in_channels


@contextmanager
def evaluating(modules: Sequence[nn.Module]) -> Iterator[None]:
    """Run ``modules`` in eval mode (BatchNorm on its running statistics, which the
    student's features must not change), then restore each sub-module's mode."""
    modes = [(m, m.training) for module in modules for m in module.modules()]
    try:
        for m, _ in modes:
            m.training = False
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def run_frozen(module: nn.Module, x: Tensor) -> Tensor:
    """``module(x)`` with the module's parameters detached: the gradient flows back
    into ``x`` and never into the module."""
    state = {name: p.detach() for name, p in module.named_parameters()}
    state.update(module.named_buffers())
    return functional_call(module, state, (x, ))


@MODELS.register_module()
class TeacherPathConnector(nn.Module):
    """Runs a path of the teacher's modules on one student record.

    The record goes through an optional ``adapter`` (a connector config, e.g.
    ``dict(type='ConvBNConnector')``, that maps the student's channels to those
    the first teacher module takes; it trains with the student), then through
    the teacher modules named by ``paths``, in order, e.g. the last layers of
    a detection head's classification branch::

        connectors=dict(cross_cls=dict(type='TeacherPathConnector',
                                       paths=['bbox_head.cls_convs.3', 'bbox_head.gfl_cls']))

    This is how CrossKD (Wang et al., CVPR 2024, arXiv:2306.11369) makes its
    cross-head predictions: a student's intermediate head feature run through
    the rest of the frozen teacher's head, distilled against the teacher's
    own predictions, so that the teacher's signal reaches the student's
    earlier layers and not its own last ones.

    The teacher's modules stay the teacher's: they run with their parameters
    detached (no gradient reaches them, while it flows back into the student
    record) and in eval mode, and they are not submodules of the connector
    (not in the optimiser, not in the Distiller's checkpoints). The Distiller
    gives the connector its teacher (``teacher``, set when the Distiller is
    built; the first teacher when there are several); the adapter is the
    connector's own, saved with it. Moving the connector (``.to()``) moves
    the teacher modules it runs too.

    Args:
        paths: Dotted module paths of the teacher, run in order.
        teacher: The teacher model (given by the Distiller).
        in_channels: Channels of the student record (filled in by the
            Distiller's dry run); sizes the adapter.
        adapter: Config of a connector between the student record and the first
            teacher module; its ``in_channels`` and ``out_channels`` default to
            the student's and the first teacher convolution's.
    """

    #: the Distiller gives this connector its teacher (see ``bind_teacher``)
    runs_teacher_modules = True

    def __init__(self, paths: Sequence[str], teacher: nn.Module,
                 in_channels: Optional[int] = None, adapter: Optional[dict] = None) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(paths, str) or not paths or \
                not all(isinstance(p, str) and p for p in paths):
            raise BadConfigError(f'{name} paths must be a list of teacher module paths, e.g. '
                                 f"['bbox_head.cls_convs.3', 'bbox_head.gfl_cls'], got {paths!r}")
        if not isinstance(teacher, nn.Module):
            raise BadConfigError(f'{name} runs modules of the teacher, which the Distiller '
                                 f'gives it; got teacher={teacher!r}')
        self.paths = list(paths)
        self._check_level_paths()
        # the teacher is held outside the module tree (a plain list): never optimised or saved
        self._teacher: List[nn.Module] = [teacher]
        self._resolved: Dict[str, nn.Module] = {}
        modules = [self.teacher_module(p, 0) for p in self.paths]  # checks every path
        layer = first_layer(modules[0])
        wanted = input_channels(layer)
        self.adapter = None
        if adapter is not None:
            if not isinstance(adapter, dict) or 'type' not in adapter:
                raise BadConfigError(f"{name} adapter must be a connector config such as "
                                     f"dict(type='ConvBNConnector'), got {adapter!r}")
            adapter = dict(adapter)
            if in_channels is not None:
                adapter.setdefault('in_channels', in_channels)
            if wanted is not None:
                adapter.setdefault('out_channels', wanted)
            self.adapter = MODELS.build(adapter)
        elif None not in (in_channels, wanted) and in_channels != wanted:
            kind = 'LinearConnector' if isinstance(layer, nn.Linear) else 'ConvBNConnector'
            raise BadConfigError(
                f'{name} gets student records of {in_channels} channels, but teacher module '
                f"{self.paths[0]!r} takes {wanted}; add adapter=dict(type='{kind}') to map "
                'them')

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the record shapes: the student's channels."""
        return dict(in_channels=src_shape[1])

    def _check_level_paths(self) -> None:
        templated = [p for p in self.paths if LEVEL in p]
        if templated:
            raise BadConfigError(f'{type(self).__name__} runs one record, so its paths cannot '
                                 f'name a level: {templated}; use MultiLevelTeacherPathConnector '
                                 'for a list of levels')

    @property
    def teacher(self) -> nn.Module:
        return self._teacher[0]

    def teacher_module(self, path: str, level: int) -> nn.Module:
        """The teacher module at ``path`` (``{level}`` in it replaced by ``level``)."""
        path = path.replace(LEVEL, str(level))
        if path not in self._resolved:
            self._resolved[path] = resolve_module(self.teacher, path, 'teacher')
        return self._resolved[path]

    def run(self, x: Tensor, level: int = 0) -> Tensor:
        """The teacher path on one map: adapter, then each teacher module, frozen."""
        if self.adapter is not None:
            x = self.adapter(x)
        modules = [self.teacher_module(p, level) for p in self.paths]
        with evaluating(modules):
            for module in modules:
                x = run_frozen(module, x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.run(x)

    def _apply(self, fn, *args, **kwargs):
        # the teacher modules this connector runs move with it (they are not submodules)
        super()._apply(fn, *args, **kwargs)
        for module in {id(m): m for m in self._resolved.values()}.values():
            module._apply(fn, *args, **kwargs)
        return self


@MODELS.register_module()
class MultiLevelTeacherPathConnector(TeacherPathConnector):
    """Runs a path of the teacher's modules on each of a list of student records, one
    per level (a detection head shared by the FPN levels).

    Route a list of sources into it; it returns the list of outputs, level by
    level, through one shared adapter. ``{level}`` in a path is the level's
    index, for the modules a head keeps one per level (GFL's ``scales``)::

        connectors=dict(cross_reg=dict(
            type='MultiLevelTeacherPathConnector',
            paths=['bbox_head.reg_convs.3', 'bbox_head.gfl_reg', 'bbox_head.scales.{level}']))
        loss_inputs=dict(loss_reg=dict(
            student=([f'student.reg_feat{i}' for i in range(5)], 'cross_reg'),
            teacher='teacher.box'))

    Args: as :class:`TeacherPathConnector`.
    """

    #: a list of records, one per level (a list of sources in ``loss_inputs``)
    takes_sequence = True

    def _check_level_paths(self) -> None:
        pass  # '{level}' names a module per level

    @staticmethod
    def sizes(src_shapes, dst_shapes) -> dict:
        """The student's channels, which every level must share."""
        channels = {shape[1] for shape in src_shapes}
        if len(channels) != 1:
            raise ValueError(f'the student levels have different channels {sorted(channels)}; '
                             'one adapter serves every level')
        return dict(in_channels=channels.pop())

    def forward(self, levels: Sequence[Tensor]) -> List[Tensor]:
        if isinstance(levels, Tensor) or not isinstance(levels, (list, tuple)):
            raise TypeError(f'{type(self).__name__} takes a list of maps, one per level, got '
                            f'a {type(levels).__name__}')
        return [self.run(x, level) for level, x in enumerate(levels)]

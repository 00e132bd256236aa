"""Base class of the backbones: an optional stem, then stages ``layer1``...``layerN``.

The stem, the blocks and the initialisation of each backbone family stay in
its own module; this one holds what they share: checking ``out_indices``,
naming the stages, and the forward pass that collects the selected stage
outputs.
"""
from typing import List, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn


def check_out_indices(out_indices: Sequence[int], num_stages: int) -> Tuple[int, ...]:
    """Checks stage indices and makes negative ones positive.

    Args:
        out_indices: Stage indices, 0-based; negative ones count from the end.
        num_stages: Number of stages.

    Returns:
        ``out_indices`` as a tuple, each index in ``[0, num_stages)``.

    Raises:
        ValueError: If an index is not in ``[-num_stages, num_stages)``; the
            message names the bad indices and the number of stages.
    """
    bad = [i for i in out_indices if not -num_stages <= i < num_stages]
    if bad:
        raise ValueError(f'out_indices {bad} out of range for {num_stages} stages')
    return tuple(i % num_stages for i in out_indices)


class StagedBackbone(BaseModule):
    """A backbone made of an optional stem and stages run one after another.

    Subclasses call ``super().__init__`` with the output channels of their
    stages, build their stem, if any, as ``self.stem``, and then register
    each stage, in order, with :meth:`add_stage`, which names it ``layer1``,
    ``layer2``, ... These names are the keys of the stages in the state dict
    and their dotted paths (``backbone.layer2``) as attach or tap points.
    :meth:`forward` runs the stem (when there is one) and the stages, and
    returns the outputs of the stages in ``out_indices``.

    Args:
        stage_channels: Output channels of each stage; their number is the
            number of stages.
        out_indices: Stages (0-based; negative counts from the end) whose
            outputs :meth:`forward` returns.
        init_cfg: MMEngine initialisation config.

    Attributes:
        stage_channels: Output channels of each stage, as a tuple.
        out_indices: The checked ``out_indices``, negative ones made positive.
        stage_names: Names of the stages registered so far, in order.

    Raises:
        ValueError: If an index in ``out_indices`` is out of range.
    """

    def __init__(self,
                 stage_channels: Sequence[int],
                 out_indices: Sequence[int],
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stage_channels: Tuple[int, ...] = tuple(stage_channels)
        self.out_indices: Tuple[int, ...] = check_out_indices(out_indices,
                                                              len(self.stage_channels))
        self.stage_names: List[str] = []

    def add_stage(self, stage: nn.Module) -> str:
        """Registers ``stage`` as the next stage.

        Args:
            stage: The stage module.

        Returns:
            Its name, ``layer<k>`` for the ``k``-th stage (1-based).

        Raises:
            RuntimeError: If all ``len(stage_channels)`` stages are registered
                already.
        """
        if len(self.stage_names) == len(self.stage_channels):
            raise RuntimeError(f'{type(self).__name__} has all its '
                               f'{len(self.stage_channels)} stages already')
        name = f'layer{len(self.stage_names) + 1}'
        self.add_module(name, stage)
        self.stage_names.append(name)
        return name

    def init_conv_weights(self, zero_bias: bool = False) -> None:
        """RepDistiller's initialisation: Kaiming-normal (fan-out) conv weights,
        and zero conv biases when ``zero_bias``."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if zero_bias:
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Runs the stem and the stages.

        Args:
            x: Input images.

        Returns:
            The outputs of the stages in ``out_indices``, in stage order.

        Raises:
            RuntimeError: If fewer stages were registered than
                ``stage_channels`` declares.
        """
        if len(self.stage_names) != len(self.stage_channels):
            raise RuntimeError(f'{type(self).__name__} registered {len(self.stage_names)} of '
                               f'its {len(self.stage_channels)} stages')
        stem = getattr(self, 'stem', None)
        if stem is not None:
            x = stem(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

"""Dense-head training targets computed once per step for several models.

An SFTN detector step computes the task loss of the teacher and of every
student branch on the same batch. When their dense heads lay their anchors
out alike and assign them alike (same anchors, same ground truth, same
assigner, a sampler that draws nothing at random, same box coder), the
training targets they compute are equal, so :class:`SharedDenseTargets`
computes them for the first head and hands the same tensors to the others.
The losses are unchanged; the step skips the repeated assignment, which on a
small CPU detector is a sizeable share of each branch's cost.

The anchors (``get_anchors``) are shared the same way, between heads whose
prior generators are alike. Heads whose ``get_targets`` and ``get_anchors``
are mmdet's ``AnchorHead`` methods (RetinaNet's, SSD's... heads that do not
override them) take part; any other head computes its own as before.
"""
import sys
from typing import Any, List, Optional

import numpy as np
import torch
from torch import nn


def _anchor_head():
    """mmdet's ``AnchorHead``, or None when mmdet's heads are not loaded."""
    module = sys.modules.get('mmdet.models.dense_heads.anchor_head')
    return getattr(module, 'AnchorHead', None)


def _same(a: Any, b: Any) -> bool:
    """Equal values: tensors by value, ground-truth records by identity, dicts, sequences
    and arrays item by item."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (str, int, float, bool, type(None), torch.device, torch.dtype)):
        return type(a) is type(b) and a == b
    return a is b  # InstanceData and other records: the same object


def _anchors_fingerprint(head: nn.Module) -> tuple:
    """What besides its arguments decides a head's anchors: its prior generator."""
    return type(head.prior_generator), dict(vars(head.prior_generator))


def _targets_fingerprint(head: nn.Module) -> Optional[tuple]:
    """What besides its arguments decides a head's targets; None when its sampler draws
    at random (then its targets are its own)."""
    sampler = getattr(head, 'sampler', None)
    if sampler is not None and type(sampler).__name__ != 'PseudoSampler':
        return None
    coder = getattr(head, 'bbox_coder', None)
    return (dict(head.train_cfg or {}), type(coder), dict(vars(coder)) if coder else None,
            getattr(head, 'reg_decoded_bbox', None), head.cls_out_channels, head.num_classes)


class SharedDenseTargets:
    """A context in which the dense heads of ``models`` share equal training targets.

    The heads that can take part (mmdet's ``AnchorHead`` methods, not overridden) are
    found once, when it is made; each entry takes those whose sampler draws nothing at
    random, as they are configured then. Inside it, each taking part head's
    ``get_targets`` first looks for a call made in this context with equal arguments by
    a head with the same fingerprint and returns that call's result (and its sampling
    results, which mmdet keeps on the head); the heads are restored on exit and nothing
    is kept after it, so one instance serves step after step.
    """

    METHODS = {'get_anchors': _anchors_fingerprint, 'get_targets': _targets_fingerprint}

    def __init__(self, models: List[nn.Module]) -> None:
        base = _anchor_head()
        self.heads = [] if base is None else [
            m for model in models for m in model.modules() if isinstance(m, base)
            and all(getattr(type(m), name) is getattr(base, name) for name in self.METHODS)]
        self.calls: List[tuple] = []
        self.sharing: List[nn.Module] = []

    def __enter__(self) -> 'SharedDenseTargets':
        self.sharing = [h for h in self.heads if _targets_fingerprint(h) is not None]
        for head in self.sharing:
            for name, fingerprint in self.METHODS.items():
                setattr(head, name, self._shared(head, name, fingerprint(head)))
        return self

    def __exit__(self, *exc) -> None:
        for head in self.sharing:
            for name in self.METHODS:
                head.__dict__.pop(name, None)
        self.calls.clear()
        self.sharing = []

    def _shared(self, head: nn.Module, name: str, fingerprint: tuple):
        own = getattr(type(head), name).__get__(head)

        def shared(*args, **kwargs):
            for call_name, key, call_args, call_kwargs, result, positives in self.calls:
                if call_name == name and _same(call_args, args) \
                        and _same(call_kwargs, kwargs) and _same(key, fingerprint):
                    head._raw_positive_infos.update(positives)
                    return result
            result = own(*args, **kwargs)
            self.calls.append((name, fingerprint, args, kwargs, result,
                               dict(head._raw_positive_infos)))
            return result

        return shared

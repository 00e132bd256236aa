"""Running an SFTN branch student without the work its attach point makes useless.

A branch student (see :class:`~.branches.StudentBranches`) gets the transformed teacher
feature in place of the output of its attach module. The attach module itself
and the student modules that only feed it then compute nothing the branch
uses. A :class:`BranchPlan` replaces their ``forward`` for the duration of a
branch pass: the attach module returns the feature, and each module that only
feeds it returns an empty placeholder (a batch of zero samples shaped like its
output), so neither they nor their backward pass run.

Which modules only feed the attach module is found on the first training pass
of the branch, in the mode the branch runs in (``mode='loss'``, with the real
batch), from the autograd graph of a full pass: a module qualifies when it is
called once, runs before the attach module, and its output (floating-point
tensors that require gradients) reaches the attach module's input but none of
the branch's losses. The pass is then run again on the same batch, from the
same random number generator states and student buffers (batch-norm
statistics), with the plan: it is kept if it gives the same losses and output
as the full pass. A plan that does not is dropped for a smaller one (the
attach module alone), and that one for the full pass.
"""
from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import torch
from torch import nn

_MISSING = object()


def tensors_in(value: Any) -> List[torch.Tensor]:
    """The tensors in ``value``: a tensor, or a tuple/list/dict of them, nested."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    return []


def map_tensors(value: Any, fn: Callable[[torch.Tensor], Any]) -> Any:
    """``value`` with ``fn`` applied to each tensor: a tensor, or a tuple (named too), list
    or dict of them, nested; other values are kept."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, dict):
        return type(value)((k, map_tensors(v, fn)) for k, v in value.items())
    if isinstance(value, tuple) and hasattr(value, '_fields'):  # a named tuple
        return type(value)(*(map_tensors(v, fn) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(map_tensors(v, fn) for v in value)
    return value


def placeholder(value: Any) -> Any:
    """``value`` with each tensor replaced by an empty batch of its shape (zero samples)."""
    return map_tensors(value, lambda t: t.new_zeros((0, *t.shape[1:])) if t.dim() else t.detach())


@contextmanager
def replaced_forwards(model: nn.Module, forwards: Dict[str, Callable]) -> Iterator[None]:
    """Replace ``model.<path>.forward`` by ``forwards[path]`` while active (hooks on
    those modules still run)."""
    saved = []
    try:
        for path, forward in forwards.items():
            module = model.get_submodule(path)
            saved.append((module, vars(module).get('forward', _MISSING)))
            module.forward = forward
        yield
    finally:
        for module, old in saved:
            if old is _MISSING:
                vars(module).pop('forward', None)
            else:
                module.forward = old


class BranchPlan:
    """The student modules one branch pass skips.

    Args:
        attach_path: The attach module; its forward returns the injected feature.
        feeders: ``{path: placeholder output}`` of the modules that only feed it.
    """

    def __init__(self, attach_path: str, feeders: Optional[Dict[str, Any]] = None) -> None:
        self.attach_path = attach_path
        self.feeders = dict(feeders or {})

    @property
    def skipped(self) -> List[str]:
        """The skipped module paths: the attach module, then its feeders."""
        return [self.attach_path, *self.feeders]

    @contextmanager
    def active(self, student: nn.Module, feature: Any) -> Iterator[None]:
        forwards = {p: (lambda *args, _v=v, **kwargs: _v) for p, v in self.feeders.items()}
        forwards[self.attach_path] = lambda *args, **kwargs: feature
        with replaced_forwards(student, forwards):
            yield


def _outermost(paths: Sequence[str]) -> List[str]:
    kept = []
    for path in sorted(paths):
        if not any(path.startswith(k + '.') for k in kept):
            kept.append(path)
    return kept


@contextmanager
def record_calls(student: nn.Module, attach_path: str) -> Iterator[dict]:
    """Record, during a full pass, each module's output before the attach module
    starts, each module's number of calls, and the attach module's input."""
    found = dict(outputs={}, calls=Counter(), attach_input=None, started=False)
    ancestors = {attach_path.rsplit('.', k)[0] for k in range(1, attach_path.count('.') + 1)}

    def after(path, module, args, out):
        found['calls'][path] += 1
        if not found['started']:
            found['outputs'][path] = out

    def before_attach(module, args):
        if not found['started']:
            found['started'], found['attach_input'] = True, args

    handles = [student.get_submodule(attach_path).register_forward_pre_hook(before_attach)]
    for path, module in student.named_modules():
        if path and path not in ancestors and path != attach_path and \
                not path.startswith(attach_path + '.'):
            handles.append(module.register_forward_hook(
                lambda m, a, o, _p=path: after(_p, m, a, o)))
    try:
        yield found
    finally:
        for handle in handles:
            handle.remove()


def find_feeders(found: dict, losses: Sequence[torch.Tensor]) -> List[str]:
    """The module paths, among those ``record_calls`` saw, whose output reaches the
    attach module's input and none of ``losses``."""
    candidates = []
    for path, out in found['outputs'].items():
        values = tensors_in(out)
        if found['calls'][path] == 1 and values and all(
                t.is_floating_point() and t.requires_grad and t.dim() for t in values):
            candidates.append(path)
    feed = [t for t in tensors_in(found['attach_input']) if t.requires_grad]
    losses = [t for t in losses if t.requires_grad]
    if not candidates or not feed or not losses:
        return []
    inputs = [t for p in candidates for t in tensors_in(found['outputs'][p])]
    to_loss = torch.autograd.grad(sum(t.sum() for t in losses), inputs, allow_unused=True,
                                  retain_graph=True)
    to_feed = torch.autograd.grad(sum(t.sum() for t in feed), inputs, allow_unused=True,
                                  retain_graph=True)
    feeders, k = [], 0
    for path in candidates:
        n = len(tensors_in(found['outputs'][path]))
        if all(g is None for g in to_loss[k:k + n]) and \
                all(g is not None for g in to_feed[k:k + n]):
            feeders.append(path)
        k += n
    return _outermost(feeders)


def same_values(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> bool:
    """Whether two lists of loss tensors hold the same values (to float rounding)."""
    return len(a) == len(b) and all(
        x.shape == y.shape and torch.allclose(x.detach().float(), y.detach().float(),
                                              rtol=1e-5, atol=1e-7, equal_nan=True)
        for x, y in zip(a, b))


class Snapshot:
    """The random number generators' states and ``student``'s buffers (batch-norm
    statistics), to run a pass again from the same state."""

    def __init__(self, student: nn.Module, device: torch.device) -> None:
        self.device = device
        self.cpu = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state(device) if device.type == 'cuda' else None
        self.buffers = [(b, b.detach().clone()) for b in student.buffers()]

    def restore(self) -> None:
        torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            torch.cuda.set_rng_state(self.cuda, self.device)
        for buf, saved in self.buffers:
            # through .data: a batch-norm's own update of its statistics leaves their
            # autograd version alone, and so must this, or the backward pass of an
            # earlier pass through the same module (another branch) would refuse them
            buf.data.copy_(saved)

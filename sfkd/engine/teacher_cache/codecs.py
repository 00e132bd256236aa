"""How one teacher tap is stored in the cache.

A codec turns a batch of tap values ``[B, ...]`` into fixed-size arrays per
sample (which live in memory-mapped files) and back into a tensor:

- ``fp32``: exact.
- ``fp16``: half the bytes; each value within a relative ``2**-11`` of the
  original (values beyond fp16's range are refused when the cache fills).
- ``topk`` (logits ``[B, C]`` only): the ``k`` largest probabilities at
  temperature ``tau`` and their classes; the other classes share the rest of
  the mass evenly. Biased: the target keeps the top classes' mass and
  flattens the tail (FKD, Shen and Xing, ECCV 2022, keeps top-k soft labels).
- ``sampled`` (logits ``[B, C]`` only): ``k`` classes drawn with replacement
  from the teacher's probabilities at temperature ``tau``; the target is the
  draws' frequencies, whose expectation is the teacher's distribution, so a
  loss linear in the target (KL and cross-entropy) gets an unbiased gradient
  (Sparse Logit Sampling, arXiv 2503.16870).

``topk`` and ``sampled`` give back logits ``tau * log(p)`` of their target
``p`` (a floor of ``1e-12`` for classes with no mass), so a KD loss at
temperature ``tau`` sees ``softmax(logits / tau) = p`` up to that floor.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from sfkd.utils.errors import BadConfigError

Layout = Dict[str, Tuple[Tuple[int, ...], str]]  # {array suffix: (shape per sample, dtype)}
FLOOR = 1e-12
FP16_MAX = float(np.finfo(np.float16).max)


class Codec:
    """Stores values of one per-sample shape; see the module docstring."""

    name = ''

    def __init__(self, shape: Sequence[int], where: str) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.where = where

    def layout(self) -> Layout:
        raise NotImplementedError

    def bytes_per_sample(self) -> int:
        return sum(int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
                   for shape, dtype in self.layout().values())

    def encode(self, value: torch.Tensor, seeds: Sequence[int]) -> Dict[str, np.ndarray]:
        raise NotImplementedError

    def decode(self, arrays: Dict[str, np.ndarray]) -> torch.Tensor:
        raise NotImplementedError

    def describe(self) -> dict:
        return dict(type=self.name, shape=list(self.shape))


class Fp32Codec(Codec):
    name = 'fp32'

    def layout(self):
        return {'value': (self.shape, 'float32')}

    def encode(self, value, seeds):
        return {'value': value.detach().float().cpu().numpy()}

    def decode(self, arrays):
        return torch.from_numpy(np.ascontiguousarray(arrays['value']))


class Fp16Codec(Fp32Codec):
    name = 'fp16'

    def layout(self):
        return {'value': (self.shape, 'float16')}

    def encode(self, value, seeds):
        value = value.detach().float().cpu()
        peak = float(value.abs().max()) if value.numel() else 0.0
        if peak > FP16_MAX:
            raise BadConfigError(f'{self.where}: a value of {peak:.4g} is beyond fp16\'s range '
                                 f'({FP16_MAX:.0f}); store this tap as \'fp32\'')
        return {'value': value.numpy().astype(np.float16)}

    def decode(self, arrays):
        return torch.from_numpy(np.asarray(arrays['value'], dtype=np.float32))


class _ClassCodec(Codec):
    """Base of the codecs that store a distribution over classes."""

    def __init__(self, shape, where, k: int, tau: float) -> None:
        super().__init__(shape, where)
        if len(self.shape) != 1:
            raise BadConfigError(f'{where}: {self.name!r} stores logits of shape [B, C], but '
                                 f'this tap records [B, {", ".join(map(str, self.shape))}]; '
                                 "use 'fp32' or 'fp16' for it")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 < k:
            raise BadConfigError(f'{where}: k must be a positive int, got {k!r}')
        if not tau or tau <= 0:
            raise BadConfigError(f'{where}: tau must be > 0, got {tau!r}')
        self.classes = self.shape[0]
        self.k = k
        self.tau = float(tau)
        self.index_dtype = 'int16' if self.classes < 2**15 else 'int32'

    def probabilities(self, value: torch.Tensor) -> np.ndarray:
        return torch.softmax(value.detach().double().cpu() / self.tau, dim=1).numpy()

    def logits(self, p: np.ndarray) -> torch.Tensor:
        return torch.from_numpy((self.tau * np.log(np.maximum(p, FLOOR))).astype(np.float32))

    def describe(self):
        return dict(super().describe(), k=self.k, tau=self.tau)


class TopKCodec(_ClassCodec):
    name = 'topk'

    def __init__(self, shape, where, k: int = 10, tau: float = 1.0) -> None:
        super().__init__(shape, where, k, tau)
        if k >= self.classes:
            raise BadConfigError(f'{where}: topk k={k} keeps every one of the {self.classes} '
                                 "classes; use 'fp32'/'fp16', or a k below the class count")

    def layout(self):
        return {'prob': ((self.k, ), 'float32'), 'index': ((self.k, ), self.index_dtype)}

    def encode(self, value, seeds):
        p = self.probabilities(value)
        index = np.argsort(-p, axis=1, kind='stable')[:, :self.k]
        return {'prob': np.take_along_axis(p, index, axis=1).astype(np.float32),
                'index': index.astype(self.index_dtype)}

    def decode(self, arrays):
        prob = np.asarray(arrays['prob'], dtype=np.float64)
        index = np.asarray(arrays['index'], dtype=np.int64)
        rest = np.clip(1.0 - prob.sum(axis=1, keepdims=True), 0.0, None) / (self.classes - self.k)
        p = np.repeat(rest, self.classes, axis=1)
        np.put_along_axis(p, index, prob, axis=1)
        return self.logits(p)


class SampledCodec(_ClassCodec):
    name = 'sampled'

    def __init__(self, shape, where, k: int = 32, tau: float = 1.0) -> None:
        super().__init__(shape, where, k, tau)

    def layout(self):
        return {'draw': ((self.k, ), self.index_dtype)}

    def encode(self, value, seeds):
        p = self.probabilities(value)
        draws = np.empty((len(p), self.k), dtype=self.index_dtype)
        for row, (probs, seed) in enumerate(zip(p, seeds)):
            rng = np.random.default_rng(seed)
            draws[row] = rng.choice(self.classes, size=self.k, p=probs / probs.sum())
        return {'draw': draws}

    def decode(self, arrays):
        draws = np.asarray(arrays['draw'], dtype=np.int64)
        counts = np.zeros((len(draws), self.classes))
        np.add.at(counts, (np.arange(len(draws))[:, None], draws), 1.0)
        return self.logits(counts / self.k)


CODECS = {c.name: c for c in (Fp32Codec, Fp16Codec, TopKCodec, SampledCodec)}


def build_codec(spec, shape: Sequence[int], where: str,
                tau: Optional[float] = None) -> Codec:
    """A codec from ``'fp32'``, ``'fp16'`` or ``dict(type='topk'|'sampled', k=..., tau=...)``;
    ``tau`` (the temperature of the loss that reads the tap) fills in a missing one."""
    spec = dict(type=spec) if isinstance(spec, str) else dict(spec or dict(type='fp32'))
    kind = spec.pop('type', None)
    if kind not in CODECS:
        raise BadConfigError(f'{where}: unknown storage {kind!r}; use one of {sorted(CODECS)}, '
                             "e.g. 'fp16' or dict(type='sampled', k=32)")
    if kind in ('topk', 'sampled') and 'tau' not in spec and tau is not None:
        spec['tau'] = tau
    try:
        return CODECS[kind](shape, where, **spec)
    except TypeError as err:
        raise BadConfigError(f'{where}: storage {kind!r}: {err}') from None

"""Cartesian undersampling masks: which k-space lines a simulated scan measures.

A mask samples whole lines (columns by default, as fastMRI's mask functions
do; rows as the SFT-KD-Recon code does) of an ``H x W`` k-space: a fully
sampled low-frequency centre of ``round(n * center_fraction)`` lines plus
lines drawn so that exactly ``round(n / acceleration)`` of the ``n`` lines are
measured (fastMRI's ``RandomMaskFunc`` reaches that count only on average,
and its plain equispaced mask misses it; here the count is exact).

The masks are for *unshifted* k-space (the DC term at index 0, as
``torch.fft.fft2`` returns it): the centre lines are the lowest frequencies,
wrapped around index 0.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from sfkd.utils.errors import BadConfigError

KINDS = ('random', 'equispaced', 'variable_density')


class CartesianMask:
    """A line mask of one kind at one acceleration.

    Args:
        kind: ``'random'`` (the non-centre lines uniformly without
            replacement), ``'equispaced'`` (evenly spaced with a random
            offset, fastMRI's ``EquispacedMaskFractionFunc`` idea) or
            ``'variable_density'`` (drawn without replacement with a
            probability falling linearly from the centre to the edge of
            k-space, like the SFT-KD-Recon code's 1-D masks).
        acceleration: Lines per measured line, e.g. 4, 5 or 8.
        center_fraction: Fraction of the lines in the fully sampled centre.
        lines: ``'columns'`` (the mask varies along W) or ``'rows'`` (along H).
    """

    def __init__(self, kind: str = 'random', acceleration: float = 4,
                 center_fraction: float = 0.08, lines: str = 'columns') -> None:
        if kind not in KINDS:
            raise BadConfigError(f'mask kind must be one of {KINDS}, got {kind!r}')
        if not acceleration or acceleration < 1:
            raise BadConfigError(f'mask acceleration must be >= 1, got {acceleration!r}')
        if not 0 < center_fraction < 1:
            raise BadConfigError(f'mask center_fraction must be in (0, 1), got '
                                 f'{center_fraction!r}')
        if lines not in ('columns', 'rows'):
            raise BadConfigError(f"mask lines must be 'columns' or 'rows', got {lines!r}")
        self.kind, self.acceleration = kind, float(acceleration)
        self.center_fraction, self.lines = float(center_fraction), lines

    def counts(self, n: int) -> Tuple[int, int]:
        """``(centre lines, all measured lines)`` for ``n`` lines; refuses sizes that
        cannot hold this mask."""
        n_center = int(round(n * self.center_fraction))
        n_total = int(round(n / self.acceleration))
        if n_center < 1 or n_total <= n_center:
            axis = 'width' if self.lines == 'columns' else 'height'
            raise BadConfigError(
                f'a {self.acceleration:g}x {self.kind} mask with center_fraction '
                f'{self.center_fraction:g} does not fit a slice {axis} of {n}: it keeps '
                f'{n_total} of {n} lines but needs {n_center} centre lines plus at least one '
                f'more; use slices of {axis} >= {self.min_lines()}, a lower acceleration or a '
                'smaller center_fraction')
        return n_center, n_total

    def min_lines(self) -> int:
        """The smallest line count this mask fits."""
        n = 1
        while True:
            n_center, n_total = round(n * self.center_fraction), round(n / self.acceleration)
            if n_center >= 1 and n_total > n_center:
                return n
            n += 1

    def line_mask(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Boolean ``(n,)``: which lines are measured (unshifted order)."""
        n_center, n_total = self.counts(n)
        n_other = n_total - n_center
        # centred order: index n // 2 is the DC term after ifftshift
        centred = np.zeros(n, dtype=bool)
        lo = (n - n_center + 1) // 2
        centred[lo:lo + n_center] = True
        others = np.flatnonzero(~centred)
        if self.kind == 'random':
            chosen = rng.choice(others, n_other, replace=False)
        elif self.kind == 'equispaced':
            step = len(others) / n_other
            offset = rng.uniform(0, step)
            chosen = others[np.floor(offset + step * np.arange(n_other)).astype(int)]
        else:
            distance = np.abs(others - n // 2) / (n / 2)
            weight = np.clip(1.0 - distance, 1e-3, None)
            chosen = rng.choice(others, n_other, replace=False, p=weight / weight.sum())
        centred[chosen] = True
        return np.fft.ifftshift(centred)

    def __call__(self, shape: Sequence[int], rng: Optional[np.random.Generator] = None
                 ) -> np.ndarray:
        """A float32 mask broadcastable to k-space of ``(..., H, W)``: ``(1, W)``
        for columns, ``(H, 1)`` for rows."""
        if len(shape) < 2:
            raise BadConfigError(f'a Cartesian mask needs a k-space shape (H, W), got {shape}')
        rng = rng if rng is not None else np.random.default_rng()
        h, w = shape[-2:]
        if self.lines == 'columns':
            return self.line_mask(w, rng)[None, :].astype(np.float32)
        return self.line_mask(h, rng)[:, None].astype(np.float32)

"""Logit standardisation: the Z-score of each logit vector, applied before a softmax.

"Logit Standardization in Knowledge Distillation", S. Sun, W. Ren, J. Li, R. Wang
and X. Cao, CVPR 2024, arXiv:2403.01427.

The paper replaces the temperature shared by teacher and student with each
vector's own standard deviation: every logit vector ``z`` (one row, over the
``K`` classes) becomes::

    Z(z) = (z - mean(z)) / sigma(z),    sigma(z) = sqrt(mean((z - mean(z))**2))

(Algorithm 1: the population standard deviation), and a loss then divides
``Z(z)`` by its usual temperature, the paper's *base temperature* ``tau``,
keeping its ``tau**2`` factor (Algorithm 2). Standardised logits have mean 0
and standard deviation 1, so the student matches the teacher's logit
*relations* instead of their range and scale.

``KDLoss``, ``DKDLoss``, ``DISTLoss`` and ``WSLDLoss`` apply it to student and
teacher with ``logit_stand=True``.

Two details differ from the paper's text, neither visibly: ``eps**2`` is added
to the variance (``eps=1e-7``) so that a row of equal logits gives zeros (a
uniform softmax) and a zero gradient instead of 0/0; and the authors' released
code divides by the sample (Bessel-corrected) standard deviation, which is
``sqrt(K / (K - 1))`` times the population one (1.054 for 10 classes, 1.005
for 100): the same as the paper's form at a base temperature that many times
larger, apart from the ``tau**2`` factor.
"""
from torch import Tensor

from sfkd.utils.options import boolean

#: added (squared) to the variance of each row
EPS = 1e-7


def standardize_logits(logits: Tensor, dim: int = 1, eps: float = EPS) -> Tensor:
    """The Z-score of every logit vector along ``dim`` (the class dimension).

    Args:
        logits: Logits with the classes along ``dim``, e.g. ``(N, C)``.
        dim: The class dimension. Defaults to 1.
        eps: Its square is added to the variance. Defaults to 1e-7.

    Returns:
        ``(logits - mean) / sqrt(var + eps**2)``, mean and (population)
        variance over ``dim``; same shape as ``logits``.
    """
    centred = logits - logits.mean(dim=dim, keepdim=True)
    var = centred.pow(2).mean(dim=dim, keepdim=True)
    return centred / (var + eps * eps).sqrt()


def logit_stand_option(value) -> bool:
    """The ``logit_stand`` option of a logit loss, refused unless True or False."""
    return boolean(value, 'logit_stand',
                   why='standardise student and teacher logits before the temperature')

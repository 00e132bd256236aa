"""SKD's learning simplifier: self-attention over softened teacher logits."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number


@MODELS.register_module()
class LearningSimplifier(nn.Module):
    """Simplifies a frozen teacher's logits for the student, trained with it.

    "Student-friendly Knowledge Distillation", M. Yuan, B. Lang and F. Quan,
    Knowledge-Based Systems 2024, arXiv:2305.10893.

    The teacher logits ``t`` (``(N, C)``) are softened, ``x = t / tau``, and
    passed through one attention layer across the batch: with
    ``Q = x W_q``, ``K = x W_k``, ``V = x W_v`` (``C -> embed_dim``),

        ``h = softmax(Q K^T / sqrt(embed_dim)) V W_o``   (``(N, C)``),

    each sample's output mixes the value projections of the whole batch. The
    simplified logits are ``tau * (x + h)`` with ``residual=True`` (``W_o``
    starts at zero, so the simplifier starts as the identity and the KD loss
    as plain KD) or ``tau * h`` without. A KD loss at temperature ``tau``
    then sees ``softmax(x + h)``.

    It is a connector on the teacher's route into a KD loss, and trains with
    the student through that loss (its parameters are under
    ``connectors.<name>`` in the student's optimiser)::

        connectors=dict(simplifier=dict(type='LearningSimplifier', tau=4.0)),
        loss_inputs=dict(loss_kd=dict(student='student.logits',
                                      teacher=('teacher.logits', 'simplifier'))),

    with ``detach_teacher=False`` on the KD loss so that its gradient reaches
    the simplifier (the frozen teacher itself still gets none).

    The KD loss alone pulls the simplified distribution towards the
    student's, and the two can collapse onto each other. Besides the residual
    start, the shipped configs anchor it to the teacher with a second KD loss
    whose *student* input is the simplified logits (the same connector)::

        loss_anchor=dict(student=('teacher.logits', 'simplifier'),
                         teacher='teacher.logits'),

    Args:
        num_classes: Width ``C`` of the logits; sized from the route when omitted.
        tau: Softening temperature; use the KD loss's. Defaults to 4.
        embed_dim: Width of the query/key/value projections. Defaults to ``C``.
        residual: Add the softened logits to the attention output. Defaults to True.
    """

    def __init__(self, num_classes: int, tau: float = 4.0, embed_dim: Optional[int] = None,
                 residual: bool = True) -> None:
        super().__init__()
        num_classes = number(num_classes, 'num_classes', at_least=2, integer=True)
        embed_dim = num_classes if embed_dim is None else number(
            embed_dim, 'embed_dim', at_least=1, integer=True)
        self.num_classes, self.embed_dim = num_classes, embed_dim
        self.tau = number(tau, 'tau', above=0, why='a softmax temperature')
        self.residual = bool(residual)
        self.query = nn.Linear(num_classes, embed_dim)
        self.key = nn.Linear(num_classes, embed_dim)
        self.value = nn.Linear(num_classes, embed_dim)
        self.out = nn.Linear(embed_dim, num_classes)
        if self.residual:  # start as the identity: plain KD until the simplifier learns
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    @staticmethod
    def sizes(src_shape, dst_shape) -> dict:
        """Constructor arguments implied by the route's record shapes."""
        return dict(num_classes=src_shape[1])

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """The attention output ``h`` for softened logits ``x`` ``(N, C)``."""
        q, k, v = self.query(x), self.key(x), self.value(x)
        weights = F.softmax(q @ k.t() / math.sqrt(self.embed_dim), dim=1)
        return self.out(weights @ v)

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        if logits.dim() != 2 or logits.shape[1] != self.num_classes:
            raise BadConfigError(f'LearningSimplifier takes logits (N, {self.num_classes}), got '
                                 f'{tuple(logits.shape)}; tap the classifier output, e.g. '
                                 "teacher_taps=dict(logits='head.fc')")
        x = logits / self.tau
        h = self.attention(x)
        return self.tau * (x + h if self.residual else h)

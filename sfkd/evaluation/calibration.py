"""How well a classifier's confidence matches its accuracy: ECE and NLL.

SoTeacher's claim is that its teacher's predictions are closer to the true
label distribution; calibration on held-out data is the direct check of that.
Definitions from "On Calibration of Modern Neural Networks", C. Guo, G. Pleiss,
Y. Sun and K. Q. Weinberger, ICML 2017, arXiv:1706.04599.
"""
from typing import Dict

import torch
import torch.nn.functional as F

#: Guo et al.'s number of equal-width confidence bins
NUM_BINS = 15


def _check(scores: torch.Tensor, labels: torch.Tensor, what: str) -> None:
    if scores.dim() != 2 or labels.dim() != 1 or labels.shape[0] != scores.shape[0]:
        raise ValueError(f'{what} must be (N, num_classes) with (N,) labels; got '
                         f'{tuple(scores.shape)} and {tuple(labels.shape)}')
    if scores.shape[0] == 0:
        raise ValueError(f'{what}: no samples to measure calibration on')


def expected_calibration_error(probs: torch.Tensor, labels: torch.Tensor,
                               num_bins: int = NUM_BINS) -> float:
    """ECE in percent: ``100 * sum_m |B_m| / N * |acc(B_m) - conf(B_m)|``.

    The confidence of a sample is its largest class probability and its
    prediction that class; ``B_m`` holds the samples whose confidence is in
    ``((m - 1) / M, m / M]``, ``m = 1..M``, and empty bins add nothing.

    Args:
        probs: Class probabilities, ``(N, C)`` (rows summing to 1).
        labels: True classes, ``(N,)``.
        num_bins: ``M``, 15 in Guo et al.
    """
    _check(probs, labels, 'probabilities')
    if int(num_bins) < 1:
        raise ValueError(f'num_bins must be at least 1, got {num_bins}')
    conf, pred = probs.double().max(dim=1)
    correct = (pred == labels.to(pred.device)).double()
    edges = torch.linspace(0.0, 1.0, int(num_bins) + 1, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (conf > lo) & (conf <= hi)
        if in_bin.any():
            total += in_bin.double().mean() * (correct[in_bin].mean() - conf[in_bin].mean()).abs()
    return 100.0 * total.item()


def negative_log_likelihood(probs: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean ``-log p(y_n)`` in nats, from probabilities (a zero probability counts
    as the smallest positive float64, so the value stays finite)."""
    _check(probs, labels, 'probabilities')
    p = probs.double().gather(1, labels.long().view(-1, 1).to(probs.device)).squeeze(1)
    return -p.clamp_min(torch.finfo(torch.float64).tiny).log().mean().item()


def calibration_metrics(logits: torch.Tensor, labels: torch.Tensor,
                        num_bins: int = NUM_BINS) -> Dict[str, float]:
    """``dict(ece=..., nll=...)`` of a classifier's logits on ``N`` samples:
    ECE in percent (:func:`expected_calibration_error`) and the mean negative
    log-likelihood in nats, computed from ``log_softmax`` in float64."""
    _check(logits, labels, 'logits')
    log_p = F.log_softmax(logits.double(), dim=1)
    nll = -log_p.gather(1, labels.long().view(-1, 1).to(logits.device)).mean().item()
    return dict(ece=expected_calibration_error(log_p.exp(), labels, num_bins), nll=nll)

"""Reference formulas and hand-run forward passes for the exact tests of the algorithms.

Everything here is written from the papers' definitions, in float64, without
calling sfkd's losses, so a test can compare a logged value with it. The
forward passes run a classifier's sub-modules one by one (stem, stages,
global average pooling, ``head.fc``), so that a test knows which stages a
value went through.
"""
from typing import Sequence

import torch


def cross_entropy(logits: torch.Tensor, labels: Sequence[int]) -> torch.Tensor:
    """``mean_n -log softmax(z_n)[y_n]``."""
    z = logits.double()
    log_p = z - z.exp().sum(dim=1, keepdim=True).log()
    return -torch.stack([log_p[n, y] for n, y in enumerate(labels)]).mean()


def softmax(logits: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    z = logits.double() / tau
    e = (z - z.max(dim=1, keepdim=True).values).exp()
    return e / e.sum(dim=1, keepdim=True)


def kd(student: torch.Tensor, teacher: torch.Tensor, tau: float) -> torch.Tensor:
    """Hinton et al. (arXiv:1503.02531): ``tau^2 * mean_n KL(p_t || p_s)``, p = softmax(z / tau)."""
    p_s, p_t = softmax(student, tau), softmax(teacher, tau)
    return tau ** 2 * (p_t * (p_t.log() - p_s.log())).sum(dim=1).mean()


def dkd(student: torch.Tensor, teacher: torch.Tensor, labels: Sequence[int], alpha: float,
        beta: float, tau: float) -> torch.Tensor:
    """Zhao et al., CVPR 2022 (arXiv:2203.08679): ``alpha * TCKD + beta * NCKD``, each KL
    summed over the batch, times ``tau^2 / N``. TCKD compares ``[p_gt, 1 - p_gt]``, NCKD
    the softmax over the non-target classes only (the target column removed)."""
    total = torch.zeros((), dtype=torch.float64)
    n_classes = student.shape[1]
    for n, y in enumerate(labels):
        p_s, p_t = softmax(student[n:n + 1], tau)[0], softmax(teacher[n:n + 1], tau)[0]
        b_s = torch.stack([p_s[y], 1 - p_s[y]])
        b_t = torch.stack([p_t[y], 1 - p_t[y]])
        tckd = (b_t * (b_t.log() - b_s.log())).sum()
        rest = [c for c in range(n_classes) if c != y]
        q_s = softmax(student[n:n + 1, rest], tau)[0]
        q_t = softmax(teacher[n:n + 1, rest], tau)[0]
        nckd = (q_t * (q_t.log() - q_s.log())).sum()
        total = total + alpha * tckd + beta * nckd
    return total * tau ** 2 / len(labels)


def batch_norm_train(x: torch.Tensor, bn: torch.nn.BatchNorm2d) -> torch.Tensor:
    """BatchNorm in training mode: the batch's mean and biased variance per channel."""
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
    gamma, beta = bn.weight.view(1, -1, 1, 1), bn.bias.view(1, -1, 1, 1)
    return gamma * (x - mean) / torch.sqrt(var + bn.eps) + beta


def conv_bn_train(connector, x: torch.Tensor) -> torch.Tensor:
    """A :class:`ConvBNConnector` written out: a 1x1 convolution without bias, BatchNorm in
    training mode, and the ReLU when the connector has one."""
    conv, bn = connector.layers[0], connector.layers[1]
    assert conv.kernel_size == (1, 1) and conv.bias is None
    y = batch_norm_train(torch.einsum('oc,nchw->nohw', conv.weight[:, :, 0, 0], x), bn)
    return y.clamp(min=0) if len(connector.layers) > 2 else y


def stages(classifier, x: torch.Tensor, start: int = 0, stop: int = 3) -> torch.Tensor:
    """Run the classifier's backbone stages ``layer<start+1>`` .. ``layer<stop>`` on ``x``;
    ``start=0`` runs the stem first."""
    backbone = classifier.backbone
    if start == 0:
        x = backbone.stem(x)
    for k in range(start + 1, stop + 1):
        x = getattr(backbone, f'layer{k}')(x)
    return x


def head_logits(classifier, feature: torch.Tensor) -> torch.Tensor:
    """Global average pooling, then the linear head."""
    return classifier.head.fc(feature.mean(dim=(2, 3)))


def data_samples(labels: Sequence[int], indices: Sequence[int]):
    """mmpretrain data samples with the given labels and dataset indices."""
    from mmpretrain.structures import DataSample
    return [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(y)
            for y, i in zip(labels, indices)]

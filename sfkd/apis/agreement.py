"""How closely a student follows its teacher: prediction agreement and KL.

A direct measure of the "student-friendliness" the friendly-teacher methods aim
for: on held-out data, how often the student's top-1 class is the teacher's,
and how far apart their softened predictions are.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from sfkd.datasets.data_roots import resolve_data_roots
from sfkd.models.model_config import build_model
from sfkd.utils.checkpoint_io import load_weights
from sfkd.utils.config_loading import read_config


def agreement_metrics(teacher_logits: torch.Tensor, student_logits: torch.Tensor,
                      labels: Optional[torch.Tensor] = None,
                      tau: float = 1.0) -> Dict[str, float]:
    """Agreement of two classifiers' logits on the same ``N`` samples.

    Returns ``agreement`` (% of samples with the same top-1 class),
    ``kl`` (mean over samples of KL(p_teacher || p_student) at temperature
    ``tau``, in nats) and, given ``labels``, both top-1 accuracies (%).
    """
    if teacher_logits.shape != student_logits.shape or teacher_logits.dim() != 2:
        raise ValueError('teacher and student logits must both be (N, num_classes); got '
                         f'{tuple(teacher_logits.shape)} and {tuple(student_logits.shape)}')
    t, s = teacher_logits.double(), student_logits.double()
    log_pt, log_ps = F.log_softmax(t / tau, dim=1), F.log_softmax(s / tau, dim=1)
    out = dict(agreement=100.0 * (t.argmax(1) == s.argmax(1)).double().mean().item(),
               kl=(log_pt.exp() * (log_pt - log_ps)).sum(1).mean().item())
    if labels is not None:
        out['teacher_top1'] = 100.0 * (t.argmax(1) == labels).double().mean().item()
        out['student_top1'] = 100.0 * (s.argmax(1) == labels).double().mean().item()
    return out


@torch.no_grad()
def predict_logits(model: nn.Module, dataloader) -> Tuple[torch.Tensor, torch.Tensor]:
    """Logits and labels of an mmpretrain classifier over a whole dataloader."""
    model.eval()
    logits, labels = [], []
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        logits.append(model(data['inputs'], mode='tensor'))
        labels.append(torch.cat([d.gt_label for d in data['data_samples']]))
    return torch.cat(logits), torch.cat(labels)


def load_classifier(config: str, checkpoint: str, owner: str = 'model') -> nn.Module:
    """The ``model`` of a plain config (a file or ``sfkd::<path>``) with the weights of ``checkpoint``
    (an MMEngine checkpoint or an exported ``*_final.pth``)."""
    model = build_model(read_config(config).model.to_dict(), where=f'{config}: model')
    load_weights(model, checkpoint, owner=owner)
    return model


def evaluation_loaders(config: str, val_size: Optional[int] = None,
                       train_size: Optional[int] = None) -> Tuple[object, object]:
    """Dataloaders for measuring a trained classifier: ``config``'s validation
    loader (its test set, the first ``val_size`` images), and the same test
    pipeline over the training split (the first ``train_size`` images), so that
    training images are seen without augmentation. No loader workers."""
    from mmengine.runner import Runner

    cfg = read_config(config)
    resolve_data_roots(cfg, ('val_dataloader', ))  # as the train and test tools find them
    val = cfg.val_dataloader
    val.num_workers, val.persistent_workers = 0, False
    if val_size:
        val.dataset.indices = val_size
    train = val.copy()
    train.dataset = val.dataset.copy()
    train.dataset.update(split='train', test_mode=False, indices=train_size)
    return Runner.build_dataloader(val.to_dict()), Runner.build_dataloader(train.to_dict())

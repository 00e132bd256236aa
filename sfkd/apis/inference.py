"""Inference with a trained or exported classifier, in one line.

mmpretrain's ``get_model`` builds a config under its own scope, where sfkd's
components (``SmallResNet``, the CIFAR zoo) and ``sfkd::`` config paths are
unknown. :func:`init_classifier` builds the model under sfkd's scope and loads
the weights strictly; the result is an ordinary mmpretrain classifier that
mmpretrain's ``ImageClassificationInferencer`` accepts, on image files in grey or
colour and on arrays alike: its test pipeline starts with
:class:`~sfkd.datasets.FitChannels`, which brings an image to the channels the
model takes (a grey or colour PNG for a one-channel Fashion-MNIST model)::

    from sfkd.apis import inference_classifier, init_classifier
    model = init_classifier('sfkd::baseline/tiny-resnet_3e_fashion-mnist.py',
                            'work_dirs/kd/student_final.pth')
    inference_classifier(model, 'shirt.png')
    # {'pred_label': 6, 'pred_score': 0.93, 'pred_class': 'Shirt', 'pred_scores': array(...)}
"""
import copy
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from sfkd.utils import register_all_modules
from sfkd.utils.checkpoint_io import load_weights
from sfkd.utils.config_loading import load_config


def _dataset_meta(cfg: Config) -> dict:
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader') or {}
    kind = (loader.get('dataset') or {}).get('type')
    if not kind:
        return {}
    from sfkd.registry import DATASETS
    with DefaultScope.overwrite_default_scope('sfkd'):
        dataset_class = DATASETS.get(kind)
    return dict(getattr(dataset_class, 'METAINFO', None) or {})


def init_classifier(config: Union[str, Config], checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu') -> nn.Module:
    """Build the ``model`` of ``config`` and load ``checkpoint`` into it (strictly).

    Args:
        config: A config file, ``sfkd::<path>`` or a :class:`Config` (the
            plain student or teacher config, not a distillation config).
        checkpoint: An exported ``student_final.pth``/``teacher_final.pth`` or
            a checkpoint of a plain run. None keeps the initial weights.
        device: Where the model runs.

    Returns:
        The classifier in eval mode, ready for :func:`inference_classifier` or
        mmpretrain's ``ImageClassificationInferencer(model=...)``.
    """
    register_all_modules(init_default_scope=False)
    cfg = config if isinstance(config, Config) else load_config(config)
    from sfkd.models.model_config import build_model
    with DefaultScope.overwrite_default_scope('sfkd'):
        model = build_model(cfg.model.to_dict(), where='model')
    if checkpoint is not None:
        load_weights(model, checkpoint, owner='classifier')
    # what mmpretrain's inferencer reads the test pipeline from, fitted to the model's channels
    model._config = _inference_config(cfg, _channels(model))
    model._dataset_meta = _dataset_meta(cfg)
    model._metainfo = None
    return model.to(device).eval()


def _inference_config(cfg: Config, channels: Optional[int]) -> Config:
    """``cfg`` with :class:`~sfkd.datasets.FitChannels` after the image loading of its test
    pipeline: mmpretrain's inferencer reads every file in colour, also a grey PNG."""
    pipeline = ((cfg.get('test_dataloader') or {}).get('dataset') or {}).get('pipeline')
    if channels not in (1, 3) or not isinstance(pipeline, list):
        return cfg
    cfg = copy.deepcopy(cfg)  # the caller's config stays as it is
    pipeline = list(pipeline)
    at = 0
    while at < len(pipeline) and 'LoadImage' in str(pipeline[at].get('type', '')):
        at += 1
    pipeline.insert(at, dict(type='sfkd.FitChannels', channels=channels))
    cfg.test_dataloader.dataset.pipeline = pipeline
    return cfg


def _channels(model: nn.Module) -> Optional[int]:
    mean = getattr(getattr(model, 'data_preprocessor', None), 'mean', None)
    return int(mean.shape[0]) if isinstance(mean, torch.Tensor) else None


def inference_classifier(model: nn.Module, img: Union[str, np.ndarray]) -> dict:
    """Classify one image (a file or an ``HxW``/``HxWxC`` array) with ``model``.

    A file is read in grey when the model takes one channel. Returns
    mmpretrain's result dict: ``pred_label``, ``pred_score``, ``pred_scores``
    and, where the data set names its classes, ``pred_class``.
    """
    from mmpretrain.apis import ImageClassificationInferencer
    if isinstance(img, str):
        import mmcv
        flag = 'grayscale' if _channels(model) == 1 else 'color'
        path, img = img, mmcv.imread(img, flag=flag)
        if img is None:
            raise FileNotFoundError(f'cannot read an image from {path!r}')
    inferencer = getattr(model, '_sfkd_inferencer', None)
    if inferencer is None:
        inferencer = ImageClassificationInferencer(model=model)
        model._sfkd_inferencer = inferencer
    return inferencer(img)[0]

"""``train_pipeline_from``: train a config with the training pipeline of another.

A top-level ``train_pipeline_from = 'configs/_base_/datasets/fashion_mnist_aug.py'``
(in a config, or as ``--cfg-options train_pipeline_from=...``) replaces the
config's ``train_dataloader.dataset.pipeline`` by that file's. ``--cfg-options``
cannot give a list of transforms, so this is how a run switches to an augmented
pipeline (random crop with padding and a flip, through mmpretrain's transforms)
without a config per model. Everything else of the config (data set, subsets,
batch size) stays; the teacher-output cache keys its entries on the pipeline
that results, so an augmented run never reads a plain run's cache.
"""
import os.path as osp

from mmengine.config import Config

from sfkd.utils.errors import BadConfigError

KEY = 'train_pipeline_from'


def _pipeline_of(cfg, where: str) -> list:
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    if 'pipeline' not in dataset:
        raise BadConfigError(f'{KEY}: {where} has no train_dataloader.dataset.pipeline; '
                             'name a data config that sets it (e.g. '
                             'configs/_base_/datasets/fashion_mnist_aug.py)')
    return dataset['pipeline']


def apply_train_pipeline_from(cfg: Config) -> None:
    """Replace ``cfg``'s training pipeline by that of ``cfg.train_pipeline_from``, if set."""
    source = cfg.get(KEY)
    if not source:
        return
    if not osp.isfile(source):
        raise BadConfigError(f'{KEY}={source}: no such config file; pass the path of a data '
                             'config (e.g. configs/_base_/datasets/fashion_mnist_aug.py)')
    _pipeline_of(cfg, 'the config')
    cfg.train_dataloader.dataset.pipeline = _pipeline_of(Config.fromfile(source), source)

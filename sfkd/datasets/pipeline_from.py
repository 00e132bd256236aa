"""``train_pipeline_from``: train a config with the training pipeline of another.

A top-level ``train_pipeline_from = 'configs/_base_/datasets/fashion_mnist_aug.py'``
(in a config, as ``--cfg-options train_pipeline_from=...`` or in ``cfg_options``;
``sfkd::_base_/datasets/fashion_mnist_aug.py`` names the file shipped with sfkd)
replaces the config's ``train_dataloader.dataset.pipeline`` by that file's.
``--cfg-options`` cannot give a list of transforms, so this is how a run switches
to an augmented pipeline (random crop with padding and a flip, through
mmpretrain's transforms) without a config per model. Everything else of the
config (data set, subsets, batch size) stays; the teacher-output cache keys its
entries on the pipeline that results, so an augmented run never reads a plain
run's cache.

sfkd's train loop applies it when the runner builds the loop
(:mod:`sfkd.engine.resumable_train_loop`), so every runner trains with the same
pipeline; ``sfkd-train`` checks it before anything is built.
"""
import os.path as osp
from typing import MutableMapping

from mmengine.config import Config

from sfkd.utils.errors import BadConfigError

KEY = 'train_pipeline_from'
PACKAGE_PREFIX = 'sfkd::'


def _pipeline_of(cfg, where: str) -> list:
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    if 'pipeline' not in dataset:
        raise BadConfigError(f'{KEY}: {where} has no train_dataloader.dataset.pipeline; '
                             'name a data config that sets it (e.g. '
                             'configs/_base_/datasets/fashion_mnist_aug.py)')
    return dataset['pipeline']


def _source_file(source: str) -> str:
    """The file ``source`` names: a path, or ``sfkd::<path>`` inside sfkd's configs."""
    if not source.startswith(PACKAGE_PREFIX):
        return source
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return osp.join(package, '.mim', 'configs', source[len(PACKAGE_PREFIX):])


def apply_train_pipeline_from(cfg: MutableMapping) -> None:
    """Replace ``cfg``'s training pipeline by that of ``cfg['train_pipeline_from']``, if set.

    ``cfg`` is a config or a mapping of some of its entries (``train_dataloader``
    and ``train_pipeline_from``); it is changed in place, and applying it twice
    gives the same pipeline.
    """
    source = cfg.get(KEY)
    if not source:
        return
    path = _source_file(source)
    if not osp.isfile(path):
        raise BadConfigError(f'{KEY}={source}: no such config file; pass the path of a data '
                             'config (e.g. configs/_base_/datasets/fashion_mnist_aug.py)')
    _pipeline_of(cfg, 'the config')
    cfg['train_dataloader']['dataset']['pipeline'] = _pipeline_of(Config.fromfile(path), source)

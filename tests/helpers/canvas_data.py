"""Tiny Fashion-MNIST canvas sets for the detection and segmentation tests."""
import uuid
from typing import List

from sfkd_testing import FMNIST_ROOT

from sfkd.datasets.fashion_canvases import make_canvases

TINY_COUNTS = dict(train=8, val=4, test=4)


def make_tiny_canvases(out_dir: str, seed: int = 0) -> str:
    """8 train, 4 val and 4 test canvases of real Fashion-MNIST items; returns the root."""
    make_canvases(FMNIST_ROOT, str(out_dir), seed=seed, counts=TINY_COUNTS)
    return str(out_dir).rstrip('/') + '/'


def canvas_options(root: str, epochs: int = 1, batch: int = 4) -> List[str]:
    """--cfg-options that point a canvas config at ``root`` and make it tiny."""
    opts = [f'{dl}.{key}' for dl in ('train_dataloader', 'val_dataloader', 'test_dataloader')
            for key in ('num_workers=0', 'persistent_workers=False', f'dataset.data_root={root}')]
    return opts + [
        f'train_dataloader.batch_size={batch}', 'val_dataloader.batch_size=4',
        'test_dataloader.batch_size=4', f'train_cfg.max_epochs={epochs}',
        'train_cfg.val_interval=1', 'default_hooks.logger.interval=1',
        f'experiment_name=test-{uuid.uuid4().hex[:8]}',
    ]


def coco_options(root: str) -> List[str]:
    """The CocoMetric's annotation files under ``root`` (detection configs only)."""
    return [f'val_evaluator.ann_file={root}annotations/val.json',
            f'test_evaluator.ann_file={root}annotations/test.json']


def canvas_batch(cfg, root: str, n: int = 2) -> dict:
    """The first ``n`` training items of a canvas config's dataset, collated."""
    from mmengine import DefaultScope
    from mmengine.dataset import pseudo_collate

    from sfkd.registry import DATASETS
    ds_cfg = dict(cfg.train_dataloader.dataset.to_dict(), data_root=root)
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(ds_cfg)
        return pseudo_collate([ds[i] for i in range(n)])

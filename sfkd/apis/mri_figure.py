"""Reconstructions of one MRI test slice side by side, with their error maps."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch


def _dataset(config: str, split: Optional[str], data_root: Optional[str]):
    from mmengine.registry import DefaultScope

    from sfkd.registry import DATASETS
    from sfkd.utils.config_loading import read_config
    cfg = read_config(config)
    ds_cfg = cfg.test_dataloader.dataset
    if split:
        ds_cfg.split = split
    if data_root:
        ds_cfg.data_root = data_root
    else:  # a relative data_root is found as the train and test tools find it
        from sfkd.datasets.data_roots import TESTING, resolve_data_roots
        resolve_data_roots(cfg, TESTING)
    with DefaultScope.overwrite_default_scope('sfkd'):
        return cfg, DATASETS.build(ds_cfg)


def reconstruct_slice(config: str, checkpoints: Sequence[Tuple[str, str]],
                      index: Optional[int] = None, split: Optional[str] = None,
                      data_root: Optional[str] = None) -> Tuple[Dict[str, np.ndarray], dict]:
    """Ground truth, zero-filled and every ``(label, checkpoint)`` model's reconstruction
    of test slice ``index`` (default: the middle one) of ``config``'s test set; each model
    is ``config``'s model (a plain DC-CNN config) with the checkpoint loaded."""
    from sfkd.utils.checkpoint_io import load_weights
    from sfkd.models.model_config import build_model
    cfg, ds = _dataset(config, split, data_root)
    index = len(ds) // 2 if index is None else index
    item = ds[index]
    inputs = item['inputs'][None]
    images = {'ground truth': item['data_samples'].gt_img[0].numpy()}
    for label, ckpt in checkpoints:
        model = build_model(cfg.model.to_dict())
        load_weights(model, ckpt, owner=label)
        with torch.no_grad():
            sample = model.eval()(inputs, [item['data_samples'].clone()], mode='predict')[0]
        images.setdefault('zero-filled', sample.zero_filled_img[0].numpy())
        images[label] = sample.pred_img[0].numpy()
    meta = dict(volume=item['data_samples'].volume, slice_idx=item['data_samples'].slice_idx,
                index=index)
    return images, meta


def draw_reconstructions(config: str, checkpoints: Sequence[Tuple[str, str]], out: str,
                         index: Optional[int] = None, split: Optional[str] = None,
                         data_root: Optional[str] = None) -> str:
    """PNG: the images of :func:`reconstruct_slice` on top, ``|x - gt|`` of each below
    (one colour scale), each titled with its slice PSNR; returns ``out``."""
    from sfkd.evaluation.mri import psnr
    from sfkd.utils.report import figure
    images, meta = reconstruct_slice(config, checkpoints, index, split, data_root)
    gt = images['ground truth']
    names: List[str] = list(images)
    errors = {n: np.abs(images[n] - gt) for n in names[1:]}
    vmax_err = max(e.max() for e in errors.values()) or 1.0
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with figure(out, len(names), 2, figsize=(2.4 * len(names), 5.2)) as (fig, axes):
        for j, name in enumerate(names):
            top, bottom = axes[0, j], axes[1, j]
            top.imshow(images[name], cmap='gray', vmin=0, vmax=gt.max())
            title = name if j == 0 else f'{name}\n{psnr(gt[None], images[name][None]):.2f} dB'
            top.set_title(title, fontsize=8)
            if j:
                bottom.imshow(errors[name], cmap='inferno', vmin=0, vmax=vmax_err)
                bottom.set_xlabel(f'|{name} - gt|', fontsize=8)
            for ax in (top, bottom):
                ax.set_xticks([])
                ax.set_yticks([])
            if not j:
                bottom.axis('off')
        fig.suptitle(f"{meta['volume']} slice z={meta['slice_idx']} (test item {meta['index']})",
                     fontsize=9)
    return out


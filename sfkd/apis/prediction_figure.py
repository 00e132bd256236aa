"""A figure of detection or segmentation predictions of several models on the same images.

Each row is one test image; the first column shows the ground truth, the
others one model each. Boxes are drawn by mmdet's ``DetLocalVisualizer``,
masks by mmseg's ``SegLocalVisualizer``, on images enlarged ``scale`` times
so that labels can be read on small canvases.
"""
import copy
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.structures import PixelData
from mmengine.registry import DefaultScope

from sfkd.datasets.data_roots import TESTING, resolve_data_roots
from sfkd.registry import DATASETS
from sfkd.utils import register_all_modules
from sfkd.utils.checkpoint_io import load_weights
from sfkd.utils.config_loading import load_config
from sfkd.utils.errors import BadConfigError

ModelSpec = Tuple[str, str, str]  # (column title, config, checkpoint)


def _task(model_cfg: dict) -> str:
    kind = str(model_cfg.get('type', ''))
    scope = kind.split('.', 1)[0] if '.' in kind else model_cfg.get('_scope_')
    if scope not in ('mmdet', 'mmseg'):
        raise BadConfigError(f'model type {kind!r} is neither an mmdet detector nor an mmseg '
                             'segmentor; the prediction figure draws boxes or masks')
    return scope


def _visualizer(task: str, meta: dict):
    if task == 'mmdet':
        from mmdet.visualization import DetLocalVisualizer
        vis = DetLocalVisualizer(name=f'sfkd-figure-{id(meta)}')
    else:
        from mmseg.visualization import SegLocalVisualizer
        vis = SegLocalVisualizer(name=f'sfkd-figure-{id(meta)}', alpha=0.6)
    vis.dataset_meta = meta
    return vis


def _enlarge(sample, scale: int):
    """A copy of ``sample`` with its boxes or label maps ``scale`` times larger."""
    sample = copy.deepcopy(sample)
    for key in ('gt_instances', 'pred_instances'):
        if key in sample:
            getattr(sample, key).bboxes = getattr(sample, key).bboxes * scale
    for key in ('gt_sem_seg', 'pred_sem_seg'):
        if key in sample:
            data = getattr(sample, key).data
            big = torch.nn.functional.interpolate(data[None].float(), scale_factor=scale,
                                                  mode='nearest')[0].to(data.dtype)
            setattr(sample, key, PixelData(data=big))
    return sample


def _titled(panel: np.ndarray, title: str) -> np.ndarray:
    strip = np.full((24, panel.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                cv2.LINE_AA)
    return np.concatenate([strip, panel], axis=0)


@torch.no_grad()
def draw_predictions(models: Sequence[ModelSpec], out: str, num_images: int = 4,
                     data_root: Optional[str] = None, scale: int = 4,
                     score_thr: float = 0.3) -> List[str]:
    """Draw the ground truth and each model's predictions on the first test images.

    Args:
        models: ``(title, config, checkpoint)`` per model column; the first
            config's ``test_dataloader`` gives the images.
        out: PNG file to write.
        num_images: Number of rows.
        data_root: Overrides the dataset's ``data_root``.
        scale: Enlargement of each image before drawing.
        score_thr: Boxes below this score are not drawn.

    Returns:
        The column titles, ground truth first.
    """
    register_all_modules(init_default_scope=False)
    cfgs = [load_config(cfg) for _, cfg, _ in models]
    task = _task(cfgs[0].model)
    with DefaultScope.overwrite_default_scope('sfkd'):
        if not data_root:  # a relative data_root is found as the train and test tools find it
            resolve_data_roots(cfgs[0], TESTING)
        ds_cfg = cfgs[0].test_dataloader.dataset.to_dict()
        if data_root:
            ds_cfg['data_root'] = data_root
        dataset = DATASETS.build(ds_cfg)
        items = [dataset[i] for i in range(min(num_images, len(dataset)))]
        nets = []
        for (title, _, ckpt), cfg in zip(models, cfgs):
            from sfkd.models.model_config import build_model
            net = build_model(cfg.model.to_dict(), f'{title} model')
            load_weights(net, ckpt, owner=title)
            nets.append(net.eval())
    vis = _visualizer(task, dataset.metainfo)
    rows = []
    for k, item in enumerate(items):
        image = item['inputs'].permute(1, 2, 0).numpy()[..., ::-1]  # BGR CHW -> RGB HWC
        image = cv2.resize(np.ascontiguousarray(image), None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_NEAREST)
        preds = []
        for net in nets:
            data = net.data_preprocessor(pseudo_collate([item]), False)
            preds.append(_enlarge(net(**data, mode='predict')[0], scale))
        panels = []
        for n, sample in enumerate([preds[0]] + preds):
            extra = dict(pred_score_thr=score_thr) if task == 'mmdet' else {}
            vis.add_datasample(f'row{k}', image, sample, draw_gt=n == 0, draw_pred=n > 0,
                               show=False, **extra)
            panels.append(vis.get_image())
        rows.append(np.concatenate(panels, axis=1))
    titles = ['ground truth'] + [title for title, _, _ in models]
    width = rows[0].shape[1] // len(titles)
    header = np.concatenate([_titled(np.zeros((0, width, 3), np.uint8), t) for t in titles],
                            axis=1)
    figure = np.concatenate([header] + rows, axis=0)
    cv2.imwrite(out, figure[..., ::-1])
    return titles

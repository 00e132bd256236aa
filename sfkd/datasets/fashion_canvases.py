"""Fashion-MNIST canvases: real Fashion-MNIST items pasted on larger black images.

One set of canvases serves two tasks:

- detection: ``annotations/<split>.json`` in COCO format (10 classes, one box
  per item, from the item's own pixels), read by ``mmdet.CocoDataset``;
- segmentation: ``<split>/labels/<name>.png`` (0 background, 1-10 the item
  classes, from the item pixels), read by :class:`FashionCanvasSegDataset`.

Canvases of the ``train`` split use items of Fashion-MNIST's training split
only; ``val`` and ``test`` use items of its test split only (``val`` and
``test`` draw disjoint items). Everything follows from ``seed``.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
           'Sneaker', 'Bag', 'Ankle boot')
SPLITS = {'train': 'train', 'val': 't10k', 'test': 't10k'}  # canvas split -> IDX prefix
DEFAULT_COUNTS = {'train': 1200, 'val': 200, 'test': 200}
MASK_THRESHOLD = 40  # grey level above which an item pixel belongs to the item
VERSION = 4


def read_idx(root: str, prefix: str) -> Tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` of an un-gzipped IDX pair."""
    paths = [osp.join(root, f'{prefix}-{kind}-idx{d}-ubyte') for kind, d in
             (('images', 3), ('labels', 1))]
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} is missing; run sfkd-prepare-data fashion-mnist '
                                    f'--out {root} first')
    images = np.fromfile(paths[0], dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    labels = np.fromfile(paths[1], dtype=np.uint8, offset=8)
    return images, labels


def _resize(item: np.ndarray, size: int) -> np.ndarray:
    import cv2
    return cv2.resize(item, (size, size), interpolation=cv2.INTER_LINEAR)


def _overlap(box: Tuple[int, int, int, int], others: Sequence[Tuple[int, int, int, int]]) -> float:
    """Largest fraction of ``box`` or of another box covered by their intersection."""
    x0, y0, x1, y1 = box
    worst = 0.0
    for a0, b0, a1, b1 in others:
        iw, ih = min(x1, a1) - max(x0, a0), min(y1, b1) - max(y0, b0)
        if iw > 0 and ih > 0:
            inter = iw * ih
            worst = max(worst, inter / ((x1 - x0) * (y1 - y0)), inter / ((a1 - a0) * (b1 - b0)))
    return worst


def make_canvas(rng: np.random.Generator, items: np.ndarray, labels: np.ndarray,
                size: int, scale: Tuple[int, int], max_overlap: float
                ) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """One canvas from the given items (pasted in order, later ones on top).

    Returns:
        The grey image ``(size, size)``, the label map (0 background, class + 1
        elsewhere) and one ``dict(bbox=[x, y, w, h], category_id, area)`` per item,
        with COCO's 1-based ``category_id`` (class + 1, as in the label map) and
        ``paste=[k, x, y, side]``: item ``k`` of ``items`` pasted at ``(x, y)``
        as a ``side`` x ``side`` square.
    """
    image = np.zeros((size, size), np.uint8)
    label = np.zeros((size, size), np.uint8)
    placed, objects = [], []
    for k, (item, cls) in enumerate(zip(items, labels)):
        for _ in range(20):  # a few tries to keep the overlap limited
            side = int(rng.integers(scale[0], scale[1] + 1))
            x, y = (int(v) for v in rng.integers(0, size - side + 1, size=2))
            if _overlap((x, y, x + side, y + side), placed) <= max_overlap:
                break
        else:
            continue
        patch = _resize(item, side)
        mask = patch > MASK_THRESHOLD
        if not mask.any():
            continue
        region = (slice(y, y + side), slice(x, x + side))
        image[region][mask] = patch[mask]
        label[region][mask] = cls + 1
        ys, xs = np.nonzero(mask)
        placed.append((x, y, x + side, y + side))
        objects.append(dict(item_mask=(region, mask), category_id=int(cls), paste=[k, x, y, side],
                            box=(x + int(xs.min()), y + int(ys.min()),
                                 x + int(xs.max()) + 1, y + int(ys.max()) + 1)))
    # areas from what is visible once later items were pasted on top
    out = []
    for obj in objects:
        region, mask = obj['item_mask']
        x0, y0, x1, y1 = obj['box']
        area = int((mask & (label[region] == obj['category_id'] + 1)).sum())
        out.append(dict(bbox=[x0, y0, x1 - x0, y1 - y0], category_id=obj['category_id'] + 1,
                        area=area, paste=obj['paste']))
    return image, label, out


def make_split(fmnist_root: str, out_dir: str, split: str, count: int, seed: int,
               size: int = 64, scale: Tuple[int, int] = (16, 32), max_items: int = 4,
               max_overlap: float = 0.3) -> Dict[str, int]:
    """Write ``count`` canvases of ``split`` under ``out_dir``; return counts."""
    import cv2
    images, labels = read_idx(fmnist_root, SPLITS[split])
    rng = np.random.default_rng([seed, list(SPLITS).index(split)])
    if split == 'train':
        pool = rng.permutation(len(images))
    else:  # val and test share Fashion-MNIST's test split: disjoint halves of one shuffle
        order = np.random.default_rng([seed, len(SPLITS)]).permutation(len(images))
        half = len(images) // 2
        pool = order[:half] if split == 'val' else order[half:]
    img_dir, lbl_dir = osp.join(out_dir, split, 'images'), osp.join(out_dir, split, 'labels')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(lbl_dir, exist_ok=True)
    coco = dict(images=[], annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)])
    cursor = 0
    for i in range(count):
        n = int(rng.integers(1, max_items + 1))
        take = pool[np.arange(cursor, cursor + n) % len(pool)]
        cursor += n
        image, label, objects = make_canvas(rng, images[take], labels[take], size, scale,
                                            max_overlap)
        name = f'{split}_{i:05d}.png'
        cv2.imwrite(osp.join(img_dir, name), image)
        cv2.imwrite(osp.join(lbl_dir, name), label)
        coco['images'].append(dict(id=i + 1, file_name=name, width=size, height=size))
        for obj in objects:
            k, x, y, side = obj.pop('paste')
            # provenance: which Fashion-MNIST item, pasted where and how large
            obj['source'] = dict(split=SPLITS[split], index=int(take[k]), x=x, y=y, side=side)
            coco['annotations'].append(dict(id=len(coco['annotations']) + 1, image_id=i + 1,
                                            iscrowd=0, **obj))
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    with open(osp.join(out_dir, 'annotations', f'{split}.json'), 'w') as f:
        json.dump(coco, f)
    return dict(images=count, objects=len(coco['annotations']))


def make_canvases(fmnist_root: str, out_dir: str, seed: int = 0,
                  counts: Optional[Dict[str, int]] = None, size: int = 64,
                  scale: Tuple[int, int] = (16, 32), max_items: int = 4) -> bool:
    """Write every split unless ``out_dir`` already holds these exact settings.

    Returns:
        ``True`` if canvases were written, ``False`` if they were up to date.
    """
    counts = dict(counts or DEFAULT_COUNTS)
    settings = dict(version=VERSION, seed=seed, counts=counts, size=size, scale=list(scale),
                    max_items=max_items)
    stamp = osp.join(out_dir, 'settings.json')
    if osp.isfile(stamp):
        with open(stamp) as f:
            if json.load(f) == settings and all(
                    osp.isdir(osp.join(out_dir, s, 'images'))
                    and len(os.listdir(osp.join(out_dir, s, 'images'))) == n
                    and osp.isfile(osp.join(out_dir, 'annotations', f'{s}.json'))
                    for s, n in counts.items()):
                return False
    if osp.isfile(stamp):
        os.remove(stamp)
    for split in SPLITS:
        shutil.rmtree(osp.join(out_dir, split), ignore_errors=True)
    for split, count in counts.items():
        make_split(fmnist_root, out_dir, split, count, seed, size, scale, max_items)
    with open(stamp, 'w') as f:
        json.dump(settings, f)
    return True

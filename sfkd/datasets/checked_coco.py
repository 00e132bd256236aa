"""mmdet's COCO reader with the ids of its annotation file checked.

``mmdet.CocoDataset`` follows the ids of a COCO file without a word: an
annotation whose ``image_id`` no image has is never read, and one whose
``category_id`` is not a declared category of the dataset's classes is
dropped (a 0-based file loses one class and shifts the others), so a model
trains on, and is scored against, boxes other than the file's.
:class:`CheckedCocoDataset` refuses such a file in one line; the COCO
model-zoo recipes (``configs/*/*_coco.py``) and the canvas detection set use
it.
"""
import logging
from typing import Optional, Sequence

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """``mmdet.CocoDataset`` that checks the ids of its annotation file
    (:func:`check_annotation_ids`) on the file mmdet has parsed (it is not
    read twice) and counts the images without annotations in the log."""

    def load_data_list(self):
        self.COCOAPI = self._checked_coco  # what CocoDataset.load_data_list calls
        try:
            return super().load_data_list()
        finally:
            del self.COCOAPI

    def _checked_coco(self, local_path: str) -> COCO:
        coco = COCO(local_path)
        empty = check_annotation_ids(self.ann_file, self.metainfo['classes'], coco.dataset)
        if empty:
            from mmengine.logging import print_log
            print_log(f'{self.ann_file}: {empty[0]} of {empty[1]} images have no annotations'
                      + (' (filter_empty_gt drops them from training)'
                         if (self.filter_cfg or {}).get('filter_empty_gt') else ''),
                      logger='current', level=logging.WARNING)
        return coco


def check_annotation_ids(ann_file: str, classes: Sequence[str],
                         data: Optional[dict] = None) -> tuple:
    """Raise :class:`BadConfigError` if an annotation id is used twice, if an annotation
    names an image that the file does not list, or a category that is not a declared
    category of ``classes`` (mmdet drops such boxes silently; a 0-based file drops one
    class and shifts the others); return ``(images without annotations, images)`` when
    some have none, else ``()``. Reads ids only, never pixels.

    Args:
        ann_file: The COCO file, named in the messages (and read if ``data`` is None).
        classes: The dataset's class names.
        data: The file's parsed content, when it has been read already.
    """
    if data is None:
        import json
        with open(ann_file) as f:
            data = json.load(f)
    images = {im['id'] for im in data.get('images', [])}
    annotations = data.get('annotations', [])
    ann_ids = [a['id'] for a in annotations if 'id' in a]
    if len(set(ann_ids)) != len(ann_ids):
        seen, twice = set(), None
        for i in ann_ids:
            if i in seen:
                twice = i
                break
            seen.add(i)
        raise BadConfigError(
            f'{ann_file}: {len(ann_ids) - len(set(ann_ids))} of {len(ann_ids)} annotation ids '
            f'are used more than once (first: {twice}); give each annotation its own "id"')
    orphans = [a['image_id'] for a in annotations if a['image_id'] not in images]
    if orphans:
        span = f'{min(images)}..{max(images)}' if images else 'none'
        raise BadConfigError(
            f'{ann_file}: {len(orphans)} of {len(annotations)} annotations name an image_id '
            f"that no image of the file has (first: {orphans[0]}; the images' ids: {span}); "
            'each annotation\'s image_id must be the id of its entry in "images"')
    declared = {c['id'] for c in data.get('categories', []) if c.get('name') in classes}
    unknown = sorted({a['category_id'] for a in annotations} - declared)
    if unknown:
        raise BadConfigError(
            f'{ann_file}: annotations use category_id {unknown[:5]}, which '
            f'{"is" if len(unknown) == 1 else "are"} not among the declared categories of '
            f'the dataset\'s classes (ids {sorted(declared)}), and mmdet would drop those '
            'boxes; number the category_id of the annotations as the "categories" list of '
            'the file does (a 0-based file is one below it)')
    empty = len(images - {a['image_id'] for a in annotations})
    return (empty, len(images)) if empty else ()

"""The Fashion-MNIST canvases as a detection set: mmdet's COCO reader, checked."""
import os.path as osp

from mmdet.datasets import CocoDataset

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from .fashion_canvases import CLASSES


@DATASETS.register_module()
class FashionCanvasDetDataset(CocoDataset):
    """``mmdet.CocoDataset`` with the 10 Fashion-MNIST classes.

    Before training it checks that the annotation file describes the images
    that are there: every ``file_name`` exists under the image folder and has
    the ``width``/``height`` the file says, so a mismatched pair of annotation
    file and image folder fails at once with one line instead of mid-epoch.
    It also checks the ids, which mmdet would otherwise follow without a word
    (:func:`check_annotation_ids`): every annotation names an image of the file
    and a declared category of the classes; images without annotations are
    counted in the log.
    """

    METAINFO = dict(classes=CLASSES, palette=[(220, 20, 60), (119, 11, 32), (0, 0, 142),
                                              (0, 0, 230), (106, 0, 228), (0, 60, 100),
                                              (0, 80, 100), (0, 0, 70), (0, 0, 192),
                                              (250, 170, 30)])

    def load_data_list(self):
        empty = check_annotation_ids(self.ann_file, self.metainfo['classes'])
        if empty:
            import logging

            from mmengine.logging import print_log
            print_log(f'{self.ann_file}: {empty[0]} of {empty[1]} images have no annotations'
                      + (' (filter_empty_gt drops them from training)'
                         if (self.filter_cfg or {}).get('filter_empty_gt') else ''),
                      logger='current', level=logging.WARNING)
        data_list = super().load_data_list()
        check_images(data_list, self.ann_file, self.data_prefix.get('img', ''))
        return data_list


def check_annotation_ids(ann_file: str, classes) -> tuple:
    """Raise :class:`BadConfigError` if an annotation names an image that the file does
    not list, or a category that is not a declared category of ``classes`` (mmdet
    drops such boxes silently; a 0-based file drops one class and shifts the others);
    return ``(images without annotations, images)`` when some have none, else ``()``.
    Reads ids only, never pixels."""
    import json
    with open(ann_file) as f:
        data = json.load(f)
    images = {im['id'] for im in data.get('images', [])}
    annotations = data.get('annotations', [])
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


def check_images(data_list, ann_file: str, img_dir: str) -> None:
    """Raise :class:`BadConfigError` if an annotated image is missing or of another size."""
    import cv2
    missing = [d['img_path'] for d in data_list if not osp.isfile(d['img_path'])]
    if missing:
        raise BadConfigError(
            f'{ann_file} describes {len(data_list)} images, but {len(missing)} are not in '
            f'{img_dir!r} (first: {missing[0]}); pair the annotation file with its own image '
            'folder (data_prefix.img) or remake both with '
            'tools/dataset_converters/make_fashion_canvases.py')
    for d in data_list[:1] + data_list[-1:]:
        img = cv2.imread(d['img_path'], cv2.IMREAD_UNCHANGED)
        if img is None or img.shape[:2] != (d['height'], d['width']):
            found = None if img is None else tuple(img.shape[:2])
            raise BadConfigError(
                f"{ann_file} says {d['img_path']} is {d['height']}x{d['width']}, the file is "
                f'{found}; pair the annotation file with its own image folder or remake both')

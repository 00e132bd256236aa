"""The Fashion-MNIST canvases as a detection set: mmdet's COCO reader, checked."""
import os.path as osp

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from .checked_coco import CheckedCocoDataset, check_annotation_ids
from .fashion_canvases import CLASSES

__all__ = ['FashionCanvasDetDataset', 'check_annotation_ids', 'check_images']


@DATASETS.register_module()
class FashionCanvasDetDataset(CheckedCocoDataset):
    """:class:`CheckedCocoDataset` with the 10 Fashion-MNIST classes.

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
        data_list = super().load_data_list()
        check_images(data_list, self.ann_file, self.data_prefix.get('img', ''))
        return data_list


def check_images(data_list, ann_file: str, img_dir: str) -> None:
    """Raise :class:`BadConfigError` if an annotated image is missing or of another size."""
    import cv2
    missing = [d['img_path'] for d in data_list if not osp.isfile(d['img_path'])]
    if missing:
        raise BadConfigError(
            f'{ann_file} describes {len(data_list)} images, but {len(missing)} are not in '
            f'{img_dir!r} (first: {missing[0]}); pair the annotation file with its own image '
            'folder (data_prefix.img) or remake both with sfkd-prepare-data canvases')
    for d in data_list[:1] + data_list[-1:]:
        img = cv2.imread(d['img_path'], cv2.IMREAD_UNCHANGED)
        if img is None or img.shape[:2] != (d['height'], d['width']):
            found = None if img is None else tuple(img.shape[:2])
            raise BadConfigError(
                f"{ann_file} says {d['img_path']} is {d['height']}x{d['width']}, the file is "
                f'{found}; pair the annotation file with its own image folder or remake both')

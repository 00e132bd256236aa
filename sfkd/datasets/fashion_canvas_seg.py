"""The Fashion-MNIST canvases as a semantic segmentation set (10 classes + background)."""
import os.path as osp

from mmseg.datasets import BaseSegDataset

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from .fashion_canvases import CLASSES
from .png_size import png_size


@DATASETS.register_module()
class FashionCanvasSegDataset(BaseSegDataset):
    """Image and label PNGs of the same name (``images/x.png``, ``labels/x.png``).

    Label 0 is the background, 1-10 the Fashion-MNIST classes. Every image must
    have its label map of its own size, or building the dataset fails with one
    line naming the first image without one, or the first pair of files of
    different sizes (:func:`check_label_sizes`, which reads the PNG headers only).
    """

    METAINFO = dict(classes=('background', ) + CLASSES,
                    palette=[(0, 0, 0), (220, 20, 60), (119, 11, 32), (0, 0, 142),
                             (0, 0, 230), (106, 0, 228), (0, 60, 100), (0, 80, 100),
                             (0, 0, 70), (0, 0, 192), (250, 170, 30)])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False, **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        missing = [d for d in data_list if not osp.isfile(d.get('seg_map_path', ''))]
        if missing:
            raise BadConfigError(
                f"{len(missing)} of {len(data_list)} images in "
                f"{self.data_prefix.get('img_path')!r} have no label map in "
                f"{self.data_prefix.get('seg_map_path')!r} (first: {missing[0]['img_path']}); "
                'pair the image folder with its own label folder or remake both with '
                'sfkd-prepare-data canvases')
        check_label_sizes(data_list, self.data_prefix.get('img_path'),
                          self.data_prefix.get('seg_map_path'))
        return data_list


def check_label_sizes(data_list, img_dir: str, seg_dir: str) -> None:
    """Raise :class:`BadConfigError` if a label map's size is not its image's.

    Each size comes from the PNG header (:func:`png_size`), never from the
    pixels; a pair where either file is not a PNG file is not checked.
    Otherwise training fails in ``torch.stack`` and testing in the metric,
    neither naming the file.
    """
    differ = []
    for d in data_list:
        img, seg = png_size(d['img_path']), png_size(d['seg_map_path'])
        if img and seg and img != seg:
            differ.append((d, img, seg))
    if differ:
        d, img, seg = differ[0]
        raise BadConfigError(
            f'{len(differ)} of {len(data_list)} label maps in {seg_dir!r} are not of the size '
            f"of their images in {img_dir!r} (first: {d['seg_map_path']} is {seg[0]}x{seg[1]}, "
            f"{d['img_path']} is {img[0]}x{img[1]}, width x height); pair the image folder "
            'with its own label folder or remake both with sfkd-prepare-data canvases')

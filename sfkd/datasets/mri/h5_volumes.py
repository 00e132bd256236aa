"""Image volumes stored one per HDF5 file, as an MMEngine dataset of slices."""
import glob
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from ..split_overlap import SplitIds, pick
from .transforms import refuse_full_sampling_in_training


@DATASETS.register_module()
class H5Volumes(BaseDataset):
    """Every slice of every ``*.h5`` file in ``data_prefix['img_path']``.

    Each file holds one volume as the dataset ``image_key``, ``(slices, H, W)``
    real values: the fully sampled images (e.g. MRBrainS or ACDC slices saved
    by the user, one file per subject). The DC-CNN models are real-valued, so
    the pipeline simulates single-coil k-space and the mask from each slice
    (``SimulateKSpace``, ``UndersampleKSpace``). Items carry ``img``,
    ``volume`` (the file name, which groups slices for the metrics),
    ``volume_idx`` and ``slice_idx``. A file is one subject, named by its file
    name: :meth:`split_ids` lists them, so that a test or validation folder that
    shares subjects with the training folder is refused
    (:mod:`sfkd.datasets.split_overlap`).

    Args:
        data_root: Root of the data set.
        data_prefix: ``dict(img_path='train')``: the folder of the files,
            relative to ``data_root``.
        image_key: The image dataset in each file.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task='single-coil MRI reconstruction')

    def __init__(self, data_root: str = '', data_prefix: Optional[dict] = None,
                 image_key: str = 'image', **kwargs) -> None:
        self.image_key = image_key
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path=''),
                         **kwargs)
        refuse_full_sampling_in_training(self)

    def _files(self) -> List[str]:
        folder = self.data_prefix.get('img_path') or self.data_root
        return sorted(glob.glob(osp.join(folder, '*.h5')))

    def split_ids(self) -> Optional[SplitIds]:
        """The subjects (file names) this dataset reads; None if there are no files.

        With ``indices``, each file's slice count is read from its header to
        find the subjects of the kept slices.
        """
        files = self._files()
        if not files:
            return None
        names = [osp.splitext(osp.basename(path))[0] for path in files]
        if self._indices is not None:
            import h5py
            per_slice = []
            for name, path in zip(names, files):
                with h5py.File(path, 'r') as f:
                    count = f[self.image_key].shape[0] if self.image_key in f else 0
                per_slice.extend([name] * count)
            names = per_slice
        folder = self.data_prefix.get('img_path') or self.data_root
        return SplitIds('subjects', pick(names, self._indices), f'folder {folder}',
                        "point {key}.data_prefix.img_path at a folder of other subjects "
                        '(one .h5 file per subject)')

    def check_file(self, f, path: str, images: np.ndarray) -> None:
        """Further checks of one open file (subclasses)."""

    def load_data_list(self) -> List[dict]:
        import h5py
        folder = self.data_prefix.get('img_path') or self.data_root
        files = self._files()
        if not files:
            raise FileNotFoundError(f'no .h5 files in {folder!r}; point data_root and '
                                    "data_prefix=dict(img_path='<folder>') at the folder that "
                                    'holds them')
        items = []
        for v, path in enumerate(files):
            with h5py.File(path, 'r') as f:
                if self.image_key not in f:
                    raise BadConfigError(f'{path} has no {self.image_key!r} dataset (keys: '
                                         f'{sorted(f.keys())}); set image_key to the dataset '
                                         'that holds the images')
                images = np.asarray(f[self.image_key], dtype=np.float32)
                if images.ndim != 3:
                    raise BadConfigError(f'{path}: {self.image_key} must be a volume (slices, '
                                         f'H, W), got shape {images.shape}')
                self.check_file(f, path, images)
            name = osp.splitext(osp.basename(path))[0]
            items.extend(dict(img=img, volume=name, volume_idx=v, slice_idx=s)
                         for s, img in enumerate(images))
        return items

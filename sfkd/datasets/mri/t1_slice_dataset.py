"""The prepared T1 slices (``data/mri_t1/<split>.npz``) as an MMEngine dataset."""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

from ..split_overlap import SplitIds, pick
from .t1_slices import SPLITS
from .transforms import refuse_full_sampling_in_training

VOLUMES = dict(train='ch2', val='ch2', test='ch2', test_macaque='inia19-t1-brain')


@DATASETS.register_module()
class MRIT1Slices(BaseDataset):
    """Slices of the mricron-data T1 volumes written by ``sfkd-prepare-data mri-t1``.

    Each item carries ``img`` (float32 ``(H, W)`` in [0, 1]), ``volume`` (the
    source volume name; the metrics group slices by it), ``volume_idx`` and
    ``slice_idx`` (the source axial index; together they seed the slice's
    mask). The pipeline simulates the scan (``SimulateKSpace``,
    ``UndersampleKSpace``, ``PackMRIInputs``). ``indices=N`` keeps the first N
    slices, as for any MMEngine dataset. :meth:`split_ids` names the slices
    (volume and axial index), so that a test or validation set that shares
    slices with the training set is refused
    (:mod:`sfkd.datasets.split_overlap`).

    Args:
        data_root: Folder of the prepared splits.
        split: ``'train'``, ``'val'``, ``'test'`` (human ``ch2``) or
            ``'test_macaque'`` (the cross-subject test set).
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task='single-coil MRI reconstruction')

    def __init__(self, data_root: str = 'data/mri_t1', split: str = 'train', **kwargs) -> None:
        if split not in SPLITS:
            raise BadConfigError(f'MRIT1Slices split must be one of {SPLITS}, got {split!r}')
        self.split = split
        super().__init__(data_root=data_root, ann_file=f'{split}.npz', **kwargs)
        refuse_full_sampling_in_training(self)

    def split_ids(self) -> Optional[SplitIds]:
        """The slices this dataset reads (``'ch2 slice 57'``), from the file's slice
        indices alone; None if the file is not there."""
        if not osp.isfile(self.ann_file):
            return None
        with np.load(self.ann_file) as data:
            slices = data['slices']
        volume = VOLUMES[self.split]
        return SplitIds(
            'slices', pick([f'{volume} slice {int(z)}' for z in slices], self._indices),
            f'split {self.split!r} of {self.data_root}',
            "set {key}.split to a split of its own ('val', 'test' or 'test_macaque'; the "
            "training set is 'train')")

    def load_data_list(self) -> List[dict]:
        path = self.ann_file
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: prepare the slices with '
                f'`sfkd-prepare-data mri-t1 --out {self.data_root}`')
        with np.load(path) as data:
            images, slices = data['images'], data['slices']
        if images.ndim != 3 or len(slices) != len(images):
            raise BadConfigError(f'{path}: images must be (N, H, W) with one slice index each, '
                                 f'got {images.shape} and {len(slices)} indices; prepare it again '
                                 f'with sfkd-prepare-data mri-t1 --out {self.data_root}')
        volume = VOLUMES[self.split]
        volume_idx = 1 if self.split == 'test_macaque' else 0
        return [dict(img=img, volume=volume, volume_idx=volume_idx, slice_idx=int(z))
                for img, z in zip(images.astype(np.float32), slices)]

"""Views of a training set whose teacher outputs are cached: the dataset side of
:class:`~sfkd.engine.hooks.TeacherCacheHook`.

A *view* is one pass of the training set through its random data pipeline:
view ``v`` of sample ``i`` is the image that the random crop, flip, ... drew
for it in that pass, and its place in the cache is the *slot* ``v * N + i``
(``N`` samples). :class:`ViewSampler` hands out slots, with epoch ``e`` reading
view ``e % views``; :class:`CachedViews` makes the sample of a slot by
replaying the recorded random parameters of its view, and writes the slot in
the sample's metainfo (``teacher_cache_slot``), where the distiller finds its
cached teacher outputs.
"""
import json
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional

from torch.utils.data import Dataset, Sampler

from sfkd.structures.teacher_cache_slot import SLOT_KEY
from sfkd.utils.errors import BadConfigError

from .random_params import Params, from_json, recording, replaying, seeded, to_json


def sample_seed(seed: int, slot: int) -> int:
    """The seed of one sample's random draws in a cache fill: fixed by the
    cache's seed and the slot, so any split of the fill across processes
    draws the same views."""
    return (seed * 1_000_003 + slot * 7_919 + 12_345) % 2**32


class CachedViews(Dataset):
    """The training set, indexed by cache slot.

    Args:
        dataset: An MMEngine-style dataset with ``pipeline`` and ``prepare_data``
            (mmpretrain, mmdet, mmseg and sfkd datasets are).
        params_dir: Folder of the recorded parameters (``view_<v>.json``); not
            needed while recording.
        views: Number of views.
        seed: The fill's seed (:func:`sample_seed`).
    """

    def __init__(self, dataset: Any, params_dir: Optional[str], views: int,
                 seed: int = 0) -> None:
        for needed in ('pipeline', 'prepare_data'):
            if not hasattr(dataset, needed):
                raise BadConfigError(
                    f'the teacher cache replays the data pipeline of the training set, but '
                    f'train_dataloader.dataset ({type(dataset).__name__}) has no {needed!r}; '
                    'use a dataset built on mmengine.dataset.BaseDataset, without a wrapper')
        self.dataset = dataset
        self.params_dir = params_dir
        self.views = views
        self.seed = seed
        self.size = len(dataset)
        self._params: Dict[int, List[Params]] = {}

    def __len__(self) -> int:
        return self.size * self.views

    def split(self, slot: int):
        """``(view, index)`` of a slot."""
        return divmod(int(slot), self.size)

    def _prepare(self, index: int) -> dict:
        data = self.dataset.prepare_data(index)
        if data is None:
            raise RuntimeError(f'sample {index} of the training set could not be loaded (its '
                               'pipeline returned None); the teacher cache needs every sample')
        return data

    @staticmethod
    def _mark(data: dict, slot: int) -> dict:
        samples = data.get('data_samples') if isinstance(data, dict) else None
        if samples is None or not hasattr(samples, 'set_metainfo'):
            raise BadConfigError(
                'the teacher cache needs packed samples with a data_samples element (the '
                "pipeline's last transform, e.g. mmpretrain.PackInputs); got "
                f'{type(data).__name__} {sorted(data) if isinstance(data, dict) else ""}')
        samples.set_metainfo({SLOT_KEY: int(slot)})
        return data

    def record(self, slot: int):
        """The sample of ``slot`` with fresh random draws (seeded by the slot),
        and the parameters drawn, JSON-ready."""
        _, index = self.split(slot)
        with seeded(sample_seed(self.seed, slot)), recording(self.dataset.pipeline) as params:
            data = self._prepare(index)
        return self._mark(data, slot), to_json(params)

    def view_params(self, view: int) -> List[Params]:
        if view not in self._params:
            path = osp.join(self.params_dir, f'view_{view}.json')
            with open(path) as f:
                self._params[view] = [from_json(p) for p in json.load(f)]
            if len(self._params[view]) != self.size:
                raise RuntimeError(f'{path} holds {len(self._params[view])} samples, the '
                                   f'training set {self.size}: the cache does not match it')
        return self._params[view]

    def __getitem__(self, slot: int) -> dict:
        view, index = self.split(slot)
        with replaying(self.dataset.pipeline, self.view_params(view)[index]):
            data = self._prepare(index)
        return self._mark(data, slot)


class ViewSampler(Sampler):
    """Turns the indices of the training sampler into cache slots of the
    epoch's view (``epoch % views``); ``set_epoch`` reaches both."""

    def __init__(self, sampler: Sampler, views: int, size: int) -> None:
        self.sampler = sampler
        self.views = views
        self.size = size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[int]:
        offset = (self.epoch % self.views) * self.size
        return (offset + int(i) for i in self.sampler)

    def __len__(self) -> int:
        return len(self.sampler)

"""Recording and replaying a data pipeline's random draws (the teacher cache's views)."""
import numpy as np
import pytest
import torch
from mmcv.transforms import BaseTransform, Compose
from mmengine import DefaultScope

from sfkd.datasets.cached_views import CachedViews, ViewSampler
from sfkd.datasets.random_params import from_json, recording, replaying, seeded, to_json
from sfkd.engine.teacher_cache.fill import check_replay
from sfkd.registry import TRANSFORMS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

AUG = [dict(type='mmpretrain.RandomCrop', crop_size=28, padding=4),
       dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
       dict(type='mmpretrain.PackInputs')]


class Images:
    """A minimal MMEngine-style dataset: ``pipeline`` and ``prepare_data``."""

    def __init__(self, pipeline):
        rng = np.random.default_rng(0)
        self.images = [rng.integers(0, 255, (28, 28), dtype=np.uint8) for _ in range(6)]
        self.pipeline = pipeline

    def __len__(self):
        return len(self.images)

    def prepare_data(self, index):
        return self.pipeline(dict(img=self.images[index].copy(), gt_label=index % 3))


def build(cfgs):
    with DefaultScope.overwrite_default_scope('sfkd'):
        return Compose([TRANSFORMS.build(c) for c in cfgs])


class UnrecordedNoise(BaseTransform):
    """Draws random numbers outside any @cache_randomness method."""

    def transform(self, results):
        results['img'] = results['img'] + np.random.randint(0, 2, results['img'].shape)
        return results


def test_params_survive_json_with_their_types():
    value = {'a': (1, np.int64(2)), 'b': np.arange(3, dtype=np.int16), 'c': None, 'd': ['x']}
    back = from_json(to_json(value))
    assert back['a'] == (1, 2) and isinstance(back['a'], tuple)
    assert back['b'].dtype == np.int16 and back['b'].tolist() == [0, 1, 2]
    assert back['c'] is None and back['d'] == ['x']
    with pytest.raises(TypeError, match='cannot be stored'):
        to_json(object())


def test_replay_makes_the_recorded_view_whatever_the_global_seed():
    data = Images(build(AUG))
    with seeded(5), recording(data.pipeline) as params:
        first = data.prepare_data(0)
    assert set(params) == {'0:RandomCrop', '1:RandomFlip'}
    offset_h, offset_w, h, w = params['0:RandomCrop']['rand_crop_params']
    padded = np.pad(data.images[0], 4)  # what a 28x28 crop of the padded image is, by hand
    crop = padded[offset_h:offset_h + h, offset_w:offset_w + w]
    if params['1:RandomFlip']['_choose_direction'] == 'horizontal':
        crop = crop[:, ::-1]
    assert torch.equal(first['inputs'][0], torch.from_numpy(crop.copy()))
    stored = from_json(to_json(params))
    for seed in (1, 2, 3):
        with seeded(seed), replaying(data.pipeline, stored):
            assert torch.equal(data.prepare_data(0)['inputs'], first['inputs'])
    # outside the context the pipeline draws afresh again
    drawn = {tuple(data.prepare_data(0)['inputs'].flatten()[:50].tolist()) for _ in range(8)}
    assert len(drawn) > 1


def test_views_and_slots():
    views = CachedViews(Images(build(AUG)), None, views=3, seed=0)
    assert len(views) == 18 and views.split(13) == (2, 1)
    a, params_a = views.record(1)
    b, params_b = views.record(7)  # the same image in view 1: other draws, same label
    again, _ = views.record(1)
    assert torch.equal(a['inputs'], again['inputs'])  # seeded by the slot
    assert params_a != params_b and a['data_samples'].gt_label == b['data_samples'].gt_label
    assert a['data_samples'].teacher_cache_slot == 1
    sampler = ViewSampler(range(6), views=3, size=6)
    sampler.set_epoch(4)  # epoch 4 reads view 4 % 3 = 1
    assert list(sampler) == [6, 7, 8, 9, 10, 11] and len(sampler) == 6


def test_a_transform_with_unrecorded_randomness_is_refused():
    pipeline = Compose([UnrecordedNoise(), *build(AUG).transforms])
    views = CachedViews(Images(pipeline), None, views=1)
    params = [views.record(i)[1] for i in range(2)]
    with pytest.raises(BadConfigError, match='UnrecordedNoise.*cannot replay it'):
        check_replay(views, params)
    check_replay(CachedViews(Images(build(AUG)), None, views=1),
                 [CachedViews(Images(build(AUG)), None, views=1).record(i)[1] for i in range(2)])


def test_a_wrapped_dataset_is_refused():
    with pytest.raises(BadConfigError, match="has no 'pipeline'"):
        CachedViews([1, 2, 3], None, views=1)

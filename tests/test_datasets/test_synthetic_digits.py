"""The synthetic digit set of LW-KD: deterministic, balanced, k-digit strings."""
import pytest
import numpy as np
from mmengine import DefaultScope

from sfkd.datasets.synthetic_digits import digits_of, label_text, render_digits
from sfkd.registry import DATASETS

pytestmark = pytest.mark.unit


def test_label_strings_have_as_many_digits_as_the_largest_class():
    assert [digits_of(k) for k in (2, 10, 11, 100, 101)] == [1, 1, 2, 2, 3]
    assert label_text(7, 10) == '7' and label_text(7, 100) == '07' and label_text(42, 1000) == '042'


def test_the_same_seed_gives_the_same_images_and_another_seed_others():
    a, ya = render_digits(10, 20, seed=3)
    b, yb = render_digits(10, 20, seed=3)
    c, _ = render_digits(10, 20, seed=4)
    assert a.dtype == np.uint8 and a.shape == (20, 28, 28)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert not np.array_equal(a, c)
    assert sorted(np.bincount(ya, minlength=10).tolist()) == [2] * 10  # balanced


def test_images_carry_the_glyph_and_vary_within_a_class():
    images, labels = render_digits(100, 8, seed=0, size=32, labels=np.array([5] * 8))
    assert images.shape == (8, 32, 32)
    # bright strokes on a dark, noisy background
    assert all((img > 150).sum() > 20 and np.median(img) < 60 for img in images)
    # random fonts, affine transforms and noise: no two renderings of '05' are alike
    assert len({img.tobytes() for img in images}) == 8


def test_registered_dataset_gives_mnist_like_items():
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(dict(type='SyntheticDigits', num_classes=12, num_samples=24,
                                 seed=0, image_size=28))
    assert len(ds) == 24 and ds.metainfo['classes'][:3] == ('00', '01', '02')
    item = ds[0]
    assert item['img'].shape == (28, 28) and 0 <= item['gt_label'] < 12



def test_converter_writes_idx_files_that_mmpretrain_reads(tmp_path, monkeypatch):
    import runpy
    import sys

    from sfkd_testing import ROOT
    out = tmp_path / 'digits'
    monkeypatch.setattr(sys, 'argv', ['make_synthetic_digits.py', '--num-classes', '12',
                                      '--train', '24', '--test', '12', '--out', str(out)])
    runpy.run_path(f'{ROOT}/tools/dataset_converters/make_synthetic_digits.py',
                   run_name='__main__')
    from mmpretrain.datasets import MNIST
    ds = MNIST(data_root=str(out), split='train', download=False)
    images, labels = render_digits(12, 24, seed=0)
    assert len(ds) == 24
    assert np.array_equal(np.asarray(ds.get_data_info(3)['img']), images[3])
    assert [ds.get_data_info(i)['gt_label'] for i in range(24)] == labels.tolist()
    test = MNIST(data_root=str(out), split='test', test_mode=True, download=False)
    assert len(test) == 12  # rendered from seed + 1
    assert not np.array_equal(np.asarray(test.get_data_info(0)['img']),
                              render_digits(12, 12, seed=0)[0][0])

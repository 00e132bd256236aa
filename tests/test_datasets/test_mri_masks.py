"""Cartesian masks: acceleration, centre fraction, per-slice seeding, clear errors."""
import numpy as np
import pytest

from sfkd.datasets.mri import CartesianMask, UndersampleKSpace
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def _centred(mask_lines: np.ndarray) -> np.ndarray:
    return np.fft.fftshift(mask_lines)


@pytest.mark.parametrize('kind', ['random', 'equispaced', 'variable_density'])
@pytest.mark.parametrize('acc,cf,width', [(4, 0.08, 64), (5, 0.08, 240), (8, 0.04, 256),
                                          (4, 0.08, 150)])
def test_acceleration_and_centre_fraction(kind, acc, cf, width):
    mask = CartesianMask(kind, acc, cf)(shape=(32, width), rng=np.random.default_rng(0))
    assert mask.shape == (1, width) and set(np.unique(mask)) <= {0.0, 1.0}
    lines = mask[0].astype(bool)
    assert lines.sum() == round(width / acc)  # exactly width / acceleration lines
    n_center = round(width * cf)
    centred = _centred(lines)
    lo = (width - n_center + 1) // 2
    assert centred[lo:lo + n_center].all()  # the fully sampled centre, DC term included
    assert lines[0]  # the DC term of unshifted k-space
    assert centred[width // 2]


def test_row_masks_vary_along_height():
    mask = CartesianMask('random', 4, 0.08, lines='rows')((240, 200), np.random.default_rng(1))
    assert mask.shape == (240, 1) and mask.sum() == 60  # 60 of 240 rows at 4x


def test_equispaced_lines_are_evenly_spaced():
    lines = CartesianMask('equispaced', 4, 0.08)((8, 100), np.random.default_rng(3))[0]
    centred = _centred(lines.astype(bool))
    lo = (100 - 8 + 1) // 2
    outside = np.flatnonzero(centred)
    outside = outside[(outside < lo) | (outside >= lo + 8)]
    gaps = set(np.diff(outside[outside < lo])) | set(np.diff(outside[outside >= lo + 8]))
    # 25 lines: 8 centre + 17 over the 92 others, a step of 92/17 = 5.4 lines
    assert gaps <= {5, 6}


def test_masks_are_seeded_per_slice():
    t = UndersampleKSpace(mask=dict(kind='random', acceleration=4, center_fraction=0.08), seed=0)
    kspace = np.ones((32, 32), np.complex64)

    def mask_of(volume, z):
        return t.transform(dict(kspace=kspace, volume_idx=volume, slice_idx=z))['mask']

    assert np.array_equal(mask_of(0, 7), mask_of(0, 7))  # the same slice, the same mask
    assert not all(np.array_equal(mask_of(0, 7), mask_of(0, z)) for z in range(8, 12))
    out = t.transform(dict(kspace=kspace, volume_idx=0, slice_idx=7))
    assert np.array_equal(out['kspace'], kspace * out['mask'])


def test_a_slice_the_mask_does_not_fit_is_refused():
    with pytest.raises(BadConfigError, match=r'8x random mask with center_fraction 0.08 does '
                                             r'not fit a slice width of 8.*width >= 12'):
        CartesianMask('random', 8, 0.08)((16, 8))
    with pytest.raises(BadConfigError, match='center_fraction must be in'):
        CartesianMask('random', 4, 1.5)
    with pytest.raises(BadConfigError, match='mask kind must be one of'):
        CartesianMask('radial', 4, 0.08)

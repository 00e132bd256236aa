"""2-D slices of the real T1 volumes of Debian's ``mricron-data`` package.

``ch2`` is one human subject (Colin Holmes' 27-scan average, 1 mm, MNI
space); ``ch2bet`` and ``ch2better`` are the same subject skull-stripped
and re-sampled, so only ``ch2`` is used and every split comes from it, by
slab of axial slices: slabs of ``slab`` slices take the roles of
``PATTERN`` in turn along the z axis, and the first ``gap`` slices of a slab
whose role differs from the previous slab's are dropped, so neighbouring
slices never fall into two splits. ``inia19-t1-brain`` (a macaque template,
0.5 mm) is a separate cross-subject test set.

Each axial slice is zero-padded to a square, resized to ``size x size``
(bilinear, anti-aliased) and divided by the maximum of its volume's kept
slices, so images lie in [0, 1]. The result is one ``<split>.npz`` per split
(``images`` ``(N, size, size)`` float32, ``slices`` the source z indices) and a
``meta.json`` that records the settings; a call with the same settings and
sources does nothing.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

TEMPLATES = '/usr/share/mricron/templates'
HUMAN = 'ch2.nii.gz'
MACAQUE = 'inia19-t1-brain.nii.gz'
PATTERN = ('train', 'train', 'val', 'train', 'train', 'test', 'train')
SPLITS = ('train', 'val', 'test', 'test_macaque')
VERSION = 1


def load_volume(path: str) -> np.ndarray:
    """The voxels of a NIfTI file as float32; refuses anything but a 3-D volume."""
    import nibabel as nib
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: install the Debian package with '
                                '`apt-get install mricron-data`, or pass --src to a folder '
                                'holding ch2.nii.gz and inia19-t1-brain.nii.gz')
    data = np.asanyarray(nib.load(path).dataobj)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise ValueError(f'{path} holds a {data.ndim}-D array of shape {data.shape}, not a 3-D '
                         'volume; pass a single T1 volume (x, y, z)')
    return data.astype(np.float32)


def content_range(volume: np.ndarray, min_fraction: float = 0.1) -> Tuple[int, int]:
    """First and one-past-last axial index whose slice has at least ``min_fraction``
    of its voxels above 10 % of the volume maximum."""
    frac = (volume > 0.1 * volume.max()).mean(axis=(0, 1))
    keep = np.flatnonzero(frac >= min_fraction)
    if keep.size == 0:
        raise ValueError('the volume has no slice with content (all voxels near zero)')
    return int(keep[0]), int(keep[-1]) + 1


def slab_splits(start: int, stop: int, slab: int, gap: int,
                pattern: Sequence[str] = PATTERN) -> Dict[str, List[int]]:
    """Axial indices of each split: slabs in the order of ``pattern``, with the first
    ``gap`` slices of a slab dropped whenever its split differs from the one before."""
    out: Dict[str, List[int]] = {name: [] for name in set(pattern)}
    previous = None
    for k, first in enumerate(range(start, stop, slab)):
        role = pattern[k % len(pattern)]
        skip = gap if previous is not None and role != previous else 0
        out[role].extend(range(first + skip, min(first + slab, stop)))
        previous = role
    return out


def resize_slices(volume: np.ndarray, indices: Sequence[int], size: int) -> np.ndarray:
    """Axial slices ``volume[:, :, z]`` turned anterior-up, padded square, resized."""
    import torch
    import torch.nn.functional as F
    slices = np.stack([np.rot90(volume[:, :, z]) for z in indices])
    h, w = slices.shape[1:]
    side = max(h, w)
    pad = ((0, 0), ((side - h) // 2, side - h - (side - h) // 2),
           ((side - w) // 2, side - w - (side - w) // 2))
    square = torch.from_numpy(np.pad(slices, pad).copy())[:, None]
    small = F.interpolate(square, size=(size, size), mode='bilinear', antialias=True,
                          align_corners=False)
    return small[:, 0].clamp_min(0).numpy()


def _sha256(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def _settings(src_dir: str, size: int, slab: int, gap: int, macaque_step: int) -> dict:
    return dict(version=VERSION, size=size, slab=slab, gap=gap, pattern=list(PATTERN),
                macaque_step=macaque_step,
                sources={name: _sha256(osp.join(src_dir, name)) if osp.isfile(
                    osp.join(src_dir, name)) else None for name in (HUMAN, MACAQUE)})


def prepare_mri_t1(out_dir: str, src_dir: str = TEMPLATES, size: int = 64, slab: int = 12,
                   gap: int = 3, macaque_step: int = 3) -> bool:
    """Write the slices of every split into ``out_dir``.

    Args:
        out_dir: Destination, used as ``data_root`` in configs.
        src_dir: Folder with ``ch2.nii.gz`` and ``inia19-t1-brain.nii.gz``.
        size: Side of the square slices.
        slab: Slices per slab of the human volume.
        gap: Slices dropped where two splits meet.
        macaque_step: Keep every ``macaque_step``-th macaque slice.

    Returns:
        True if files were written, False if they were up to date.

    Raises:
        FileNotFoundError: A source volume is missing.
        ValueError: A source is not a 3-D volume, or a setting is out of range.
    """
    if size < 8 or slab <= gap or gap < 0 or macaque_step < 1:
        raise ValueError(f'need size >= 8, 0 <= gap < slab and macaque_step >= 1, got '
                         f'size={size}, slab={slab}, gap={gap}, macaque_step={macaque_step}')
    settings = _settings(src_dir, size, slab, gap, macaque_step)
    meta_path = osp.join(out_dir, 'meta.json')
    if osp.isfile(meta_path) and all(osp.isfile(osp.join(out_dir, f'{s}.npz')) for s in SPLITS):
        with open(meta_path) as f:
            if json.load(f).get('settings') == settings:
                return False
    human = load_volume(osp.join(src_dir, HUMAN))
    macaque = load_volume(osp.join(src_dir, MACAQUE))
    splits = slab_splits(*content_range(human), slab, gap)
    lo, hi = content_range(macaque)
    splits_of = {name: (human, sorted(idx)) for name, idx in splits.items()}
    splits_of['test_macaque'] = (macaque, list(range(lo, hi, macaque_step)))
    os.makedirs(out_dir, exist_ok=True)
    scale = {}
    arrays = {}
    for name, (volume, idx) in splits_of.items():
        arrays[name] = resize_slices(volume, idx, size)
    for vol_name, names in (('human', ('train', 'val', 'test')), ('macaque', ('test_macaque',))):
        scale[vol_name] = float(max(arrays[n].max() for n in names))
        for n in names:
            arrays[n] = (arrays[n] / scale[vol_name]).astype(np.float32)
    counts = {}
    for name, (_, idx) in splits_of.items():
        tmp = osp.join(out_dir, f'{name}.part.npz')
        np.savez(tmp, images=arrays[name], slices=np.asarray(idx, dtype=np.int64))
        os.replace(tmp, osp.join(out_dir, f'{name}.npz'))
        counts[name] = len(idx)
    meta = dict(settings=settings, counts=counts,
                volumes=dict(train=HUMAN, val=HUMAN, test=HUMAN, test_macaque=MACAQUE),
                slices={name: idx for name, (_, idx) in splits_of.items()})
    with open(meta_path + '.part', 'w') as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + '.part', meta_path)
    return True

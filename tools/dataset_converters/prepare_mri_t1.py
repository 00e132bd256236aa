"""Extract 2-D slices of the T1 volumes of Debian's mricron-data into data/mri_t1.

Human ``ch2`` split train/val/test by slab of axial slices with gaps between
the splits, and the macaque ``inia19-t1-brain`` as a cross-subject test set;
see ``sfkd.datasets.mri.t1_slices``. A second run with the same settings does
nothing.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from sfkd.datasets.mri.t1_slices import TEMPLATES, prepare_mri_t1  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--src', default=TEMPLATES, help='folder with the NIfTI volumes')
    parser.add_argument('--out', default='data/mri_t1', help='output folder')
    parser.add_argument('--size', type=int, default=64, help='side of the square slices')
    parser.add_argument('--slab', type=int, default=12, help='slices per slab')
    parser.add_argument('--gap', type=int, default=3, help='slices dropped between splits')
    args = parser.parse_args()
    try:
        written = prepare_mri_t1(args.out, args.src, args.size, args.slab, args.gap)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'sfkd: error: {err}')
    with open(osp.join(args.out, 'meta.json')) as f:
        counts = json.load(f)['counts']
    state = 'written' if written else 'up to date'
    print(f'MRI T1 slices in {args.out}: {state} ({counts}, {args.size}x{args.size})')


if __name__ == '__main__':
    main()

"""Make the Fashion-MNIST canvases for detection and segmentation (data/fashion_canvases).

Real Fashion-MNIST items (1 to 4 per canvas, 16 to 32 pixels wide, limited
overlap) on 64x64 black canvases: small enough that a detector or segmentor
trains in minutes on two CPU cores, large enough for three FPN levels
(strides 8, 16, 32). Writes COCO boxes (annotations/<split>.json) and label
PNGs (<split>/labels/); a second run with the same settings does nothing.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from sfkd.datasets.fashion_canvases import DEFAULT_COUNTS, make_canvases  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--fmnist', default='data/fashion_mnist',
                        help='folder with the un-gzipped Fashion-MNIST IDX files')
    parser.add_argument('--out', default='data/fashion_canvases', help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, default=64, help='canvas side in pixels')
    for split, n in DEFAULT_COUNTS.items():
        parser.add_argument(f'--{split}', type=int, default=n, help=f'{split} canvases')
    args = parser.parse_args()
    counts = {s: getattr(args, s) for s in DEFAULT_COUNTS}
    try:
        written = make_canvases(args.fmnist, args.out, args.seed, counts, args.size)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'sfkd: error: {err}')
    state = 'written' if written else 'up to date'
    print(f'Fashion-MNIST canvases in {args.out}: {state} ({counts}, {args.size}x{args.size})')


if __name__ == '__main__':
    main()

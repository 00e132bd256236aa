"""Render LW-KD's synthetic digit set into IDX files (MNIST's format), from a seed.

The same images as the registered ``SyntheticDigits`` data set with the same
arguments. ``mmpretrain.MNIST`` (``data_root=<out>``) reads the files.

Example::

    python tools/dataset_converters/make_synthetic_digits.py --num-classes 100 \\
        --train 50000 --test 5000 --size 32 --out data/synthetic_digits_100
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from sfkd.datasets.synthetic_digits import render_digits, write_idx  # noqa: E402
from sfkd.utils.errors import SfkdError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-classes', type=int, default=10,
                        help="the target data set's class count")
    parser.add_argument('--train', type=int, default=20000, help='training images')
    parser.add_argument('--test', type=int, default=2000, help='test images')
    parser.add_argument('--size', type=int, default=28, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the training images (the test images use seed + 1)')
    parser.add_argument('--out', default='data/synthetic_digits', help='output folder')
    args = parser.parse_args()
    try:
        for prefix, count, seed in (('train', args.train, args.seed),
                                    ('t10k', args.test, args.seed + 1)):
            images, labels = render_digits(args.num_classes, count, seed, args.size)
            for path in write_idx(images, labels, args.out, prefix):
                print(path)
    except SfkdError as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()

"""Unpack Debian's Fashion-MNIST into data/fashion_mnist for mmpretrain."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from sfkd.datasets.fashion_mnist import DEBIAN_DIR, prepare_fashion_mnist  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default='data/fashion_mnist', help='output folder (data_root)')
    parser.add_argument('--src', default=DEBIAN_DIR, help='folder with the four .gz files')
    args = parser.parse_args()
    try:
        written = prepare_fashion_mnist(args.out, args.src)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    print(f'Fashion-MNIST in {args.out}: ' + (f'unpacked {", ".join(written)}' if written else 'up to date'))


if __name__ == '__main__':
    main()

"""Prepare the data sets sfkd's configs read: ``sfkd-prepare-data <set> [options]``.

Sets (each a sub-command; ``sfkd-prepare-data <set> --help`` lists its options):

    fashion-mnist     unpack Debian's Fashion-MNIST (``dataset-fashion-mnist``) into IDX files
    canvases          Fashion-MNIST items on 64x64 canvases, for detection and segmentation
    mri-t1            2-D slices of the T1 volumes of Debian's ``mricron-data``
    synthetic-digits  LW-KD's synthetic digit set, rendered into IDX files

Example::

    export SFKD_DATA_ROOT=~/sfkd-data
    sfkd-prepare-data fashion-mnist            # -> $SFKD_DATA_ROOT/fashion_mnist
    sfkd-prepare-data canvases                 # -> $SFKD_DATA_ROOT/fashion_canvases
    sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py

Each set is written into ``<data>/<folder>``, ``<data>`` being ``$SFKD_DATA_ROOT``
when set, else ``data`` in the working directory: where sfkd's configs look for
it (``data/fashion_mnist`` and so on). ``--out`` writes elsewhere. A second run
with the same settings does nothing. A missing or bad source stops the command
with one ``sfkd: error:`` line. ``python -m sfkd.tools.prepare_data`` is the same
command; a clone's ``tools/dataset_converters/*.py`` run its sub-commands.
"""
import argparse
import json
import os
import os.path as osp
from typing import Callable, Dict, Optional, Sequence

from sfkd.utils.errors import SfkdError

PROG = 'sfkd-prepare-data'
ENV_VAR = 'SFKD_DATA_ROOT'  # the data folder the configs' relative data roots are found in
# each set's folder under the data folder (the configs' data_root without 'data/')
FOLDERS = {'fashion-mnist': 'fashion_mnist', 'canvases': 'fashion_canvases',
           'mri-t1': 'mri_t1', 'synthetic-digits': 'synthetic_digits'}


def data_folder(name: str) -> str:
    """Where the set ``name`` goes by default: ``$SFKD_DATA_ROOT/<folder>``, else
    ``data/<folder>``."""
    return osp.join(os.environ.get(ENV_VAR) or 'data', FOLDERS[name])


def _fashion_mnist(args) -> None:
    from sfkd.datasets.fashion_mnist import prepare_fashion_mnist
    written = prepare_fashion_mnist(args.out, args.src)
    print(f'Fashion-MNIST in {args.out}: '
          + (f'unpacked {", ".join(written)}' if written else 'up to date'))


def _canvases(args) -> None:
    from sfkd.datasets.fashion_canvases import DEFAULT_COUNTS, make_canvases
    counts = {s: getattr(args, s) for s in DEFAULT_COUNTS}
    written = make_canvases(args.fmnist, args.out, args.seed, counts, args.size)
    state = 'written' if written else 'up to date'
    print(f'Fashion-MNIST canvases in {args.out}: {state} ({counts}, {args.size}x{args.size})')


def _mri_t1(args) -> None:
    from sfkd.datasets.mri.t1_slices import prepare_mri_t1
    written = prepare_mri_t1(args.out, args.src, args.size, args.slab, args.gap)
    with open(osp.join(args.out, 'meta.json')) as f:
        counts = json.load(f)['counts']
    state = 'written' if written else 'up to date'
    print(f'MRI T1 slices in {args.out}: {state} ({counts}, {args.size}x{args.size})')


def _synthetic_digits(args) -> None:
    from sfkd.datasets.synthetic_digits import render_digits, write_idx
    for prefix, count, seed in (('train', args.train, args.seed),
                                ('t10k', args.test, args.seed + 1)):
        images, labels = render_digits(args.num_classes, count, seed, args.size)
        for path in write_idx(images, labels, args.out, prefix):
            print(path)


def _add_fashion_mnist(sub) -> None:
    from sfkd.datasets.fashion_mnist import DEBIAN_DIR
    sub.add_argument('--out', default=data_folder('fashion-mnist'),
                     help='output folder (data_root; default: %(default)s)')
    sub.add_argument('--src', default=DEBIAN_DIR,
                     help='folder with the four .gz files (default: %(default)s)')


def _add_canvases(sub) -> None:
    from sfkd.datasets.fashion_canvases import DEFAULT_COUNTS
    sub.add_argument('--fmnist', default=data_folder('fashion-mnist'),
                     help='folder with the un-gzipped Fashion-MNIST IDX files '
                     '(default: %(default)s)')
    sub.add_argument('--out', default=data_folder('canvases'),
                     help='output folder (default: %(default)s)')
    sub.add_argument('--seed', type=int, default=0)
    sub.add_argument('--size', type=int, default=64, help='canvas side in pixels')
    for split, n in DEFAULT_COUNTS.items():
        sub.add_argument(f'--{split}', type=int, default=n, help=f'{split} canvases')


def _add_mri_t1(sub) -> None:
    from sfkd.datasets.mri.t1_slices import TEMPLATES
    sub.add_argument('--src', default=TEMPLATES,
                     help='folder with the NIfTI volumes (default: %(default)s)')
    sub.add_argument('--out', default=data_folder('mri-t1'),
                     help='output folder (default: %(default)s)')
    sub.add_argument('--size', type=int, default=64, help='side of the square slices')
    sub.add_argument('--slab', type=int, default=12, help='slices per slab')
    sub.add_argument('--gap', type=int, default=3, help='slices dropped between splits')


def _add_synthetic_digits(sub) -> None:
    sub.add_argument('--num-classes', type=int, default=10,
                     help="the target data set's class count")
    sub.add_argument('--train', type=int, default=20000, help='training images')
    sub.add_argument('--test', type=int, default=2000, help='test images')
    sub.add_argument('--size', type=int, default=28, help='image side in pixels')
    sub.add_argument('--seed', type=int, default=0,
                     help='seed of the training images (the test images use seed + 1)')
    sub.add_argument('--out', default=data_folder('synthetic-digits'),
                     help='output folder (default: %(default)s)')


# sub-command -> (what it makes, its options, what it runs)
SETS: Dict[str, tuple] = {
    'fashion-mnist': ("unpack Debian's Fashion-MNIST into IDX files for mmpretrain",
                      _add_fashion_mnist, _fashion_mnist),
    'canvases': ('make the Fashion-MNIST canvases for detection and segmentation (COCO boxes '
                 'and label PNGs)', _add_canvases, _canvases),
    'mri-t1': ("extract 2-D slices of the T1 volumes of Debian's mricron-data (human ch2 "
               'train/val/test slabs, the macaque inia19 as a cross-subject test set)',
               _add_mri_t1, _mri_t1),
    'synthetic-digits': ("render LW-KD's synthetic digit set into IDX files (MNIST's format), "
                         'from a seed', _add_synthetic_digits, _synthetic_digits),
}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.splitlines()[0],
        epilog=f'Each set goes to ${ENV_VAR}/<folder> when {ENV_VAR} is set, else to '
        'data/<folder> in the working directory, where the configs look for it.')
    subs = parser.add_subparsers(dest='set', required=True, metavar='SET')
    for name, (help_text, add_options, run) in SETS.items():
        sub = subs.add_parser(name, help=help_text, description=help_text)
        add_options(sub)
        sub.set_defaults(run=run)
    return parser.parse_args(argv)


def run(argv: Optional[Sequence[str]] = None) -> None:
    """Prepare one set; a missing or bad source raises (FileNotFoundError, ValueError,
    :class:`~sfkd.utils.errors.SfkdError`)."""
    args = parse_args(argv)
    args.run(args)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The command: :func:`run`, its errors as one ``sfkd: error:`` line."""
    try:
        run(argv)
    except (FileNotFoundError, ValueError, SfkdError) as err:
        raise SystemExit(f'sfkd: error: {err}') from None


def command(name: str) -> Callable[[], None]:
    """The sub-command ``name`` as a script's ``main()`` (``tools/dataset_converters``)."""
    import sys

    def main_of_set() -> None:
        main([name, *sys.argv[1:]])

    return main_of_set


if __name__ == '__main__':
    main()

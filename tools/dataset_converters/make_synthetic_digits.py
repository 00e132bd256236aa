"""Render LW-KD's synthetic digit set into IDX files (MNIST's format), from a seed.

The same images as the registered ``SyntheticDigits`` data set with the same
arguments. ``mmpretrain.MNIST`` (``data_root=<out>``) reads the files.

Example::

    python tools/dataset_converters/make_synthetic_digits.py --num-classes 100 \\
        --train 50000 --test 5000 --size 32 --out data/synthetic_digits_100

The same as ``sfkd-prepare-data synthetic-digits`` (:mod:`sfkd.tools.prepare_data`),
which an installed sfkd provides.
"""
from sfkd.tools.prepare_data import command

main = command('synthetic-digits')

if __name__ == '__main__':
    main()

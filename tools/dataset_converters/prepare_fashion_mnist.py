"""Unpack Debian's Fashion-MNIST into data/fashion_mnist for mmpretrain.

The same as ``sfkd-prepare-data fashion-mnist`` (:mod:`sfkd.tools.prepare_data`), which an
installed sfkd provides.
"""
from sfkd.tools.prepare_data import command

main = command('fashion-mnist')

if __name__ == '__main__':
    main()

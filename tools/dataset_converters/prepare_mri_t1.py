"""Extract 2-D slices of the T1 volumes of Debian's mricron-data into data/mri_t1.

Human ``ch2`` split train/val/test by slab of axial slices with gaps between
the splits, and the macaque ``inia19-t1-brain`` as a cross-subject test set;
see ``sfkd.datasets.mri.t1_slices``. A second run with the same settings does
nothing.

The same as ``sfkd-prepare-data mri-t1`` (:mod:`sfkd.tools.prepare_data`), which an
installed sfkd provides.
"""
from sfkd.tools.prepare_data import command

main = command('mri-t1')

if __name__ == '__main__':
    main()

"""MRI data: T1 slices of mricron-data, HDF5 volumes (fastMRI single-coil, MRBrainS,
ACDC), masks, transforms."""
from .fastmri_single_coil import FastMRISingleCoil, centred_ifft2
from .h5_volumes import H5Volumes
from .masks import CartesianMask
from .t1_slice_dataset import MRIT1Slices
from .transforms import PackMRIInputs, SimulateKSpace, UndersampleKSpace

__all__ = ['CartesianMask', 'FastMRISingleCoil', 'H5Volumes', 'MRIT1Slices', 'PackMRIInputs',
           'SimulateKSpace', 'UndersampleKSpace', 'centred_ifft2']

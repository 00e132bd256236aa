"""MRI data: T1 slices of mricron-data, fastMRI single-coil files, masks, transforms."""
from .fastmri_single_coil import FastMRISingleCoil, centred_ifft2
from .masks import CartesianMask
from .t1_slice_dataset import MRIT1Slices
from .transforms import PackMRIInputs, SimulateKSpace, UndersampleKSpace

__all__ = ['CartesianMask', 'FastMRISingleCoil', 'MRIT1Slices', 'PackMRIInputs',
           'SimulateKSpace', 'UndersampleKSpace', 'centred_ifft2']

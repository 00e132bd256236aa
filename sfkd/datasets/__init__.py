"""Datasets and their preparation.

The detection and segmentation sets import mmdet and mmseg; they live in
``sfkd.datasets.dense`` (a location of the dataset registry), so that data
preparation does not import those libraries.
"""
import warnings

from .fit_channels import FitChannels
from .synthetic_digits import SyntheticDigits

# mmpretrain's IDX reader (MNIST, Fashion-MNIST) turns the file's read-only
# bytes into tensors with torch.from_numpy, which warns that the array is not
# writable. The images are only read and copied into each sample, so the
# warning says nothing about sfkd's runs; it is silenced for that module alone.
warnings.filterwarnings('ignore', message='The given NumPy array is not writable',
                        category=UserWarning, module=r'mmpretrain\.datasets\.mnist')

__all__ = ['FitChannels', 'SyntheticDigits']

"""Datasets and their preparation.

The detection and segmentation sets import mmdet and mmseg; they live in
``sfkd.datasets.dense`` (a location of the dataset registry), so that data
preparation does not import those libraries.
"""
from .synthetic_digits import SyntheticDigits

__all__ = ['SyntheticDigits']

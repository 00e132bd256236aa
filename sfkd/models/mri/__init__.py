"""MRI reconstruction models: DC-CNN cascades with data consistency."""
from .cascade import DCCascade
from .data_consistency import DataConsistency
from .dc_cnn import DCCNN, parse_arch
from .packing import pack_inputs, unpack_inputs
from .zero_filled import ZeroFilled

__all__ = ['DCCascade', 'DataConsistency', 'DCCNN', 'ZeroFilled', 'pack_inputs',
           'parse_arch', 'unpack_inputs']

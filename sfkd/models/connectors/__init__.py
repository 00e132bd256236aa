"""Connectors: small modules that adapt a student record to a teacher's shape."""
from .conv_bn_connector import ConvBNConnector
from .identity_connector import IdentityConnector
from .learning_simplifier import LearningSimplifier
from .linear_connector import LinearConnector
from .mlp_connector import MLPConnector
from .resize_connector import ResizeConnector

__all__ = ['ConvBNConnector', 'IdentityConnector', 'LearningSimplifier', 'LinearConnector',
           'MLPConnector', 'ResizeConnector']

"""Backbones registered in sfkd's MODELS registry."""
from .small_resnet import SmallResNet

__all__ = ['SmallResNet']

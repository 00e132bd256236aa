"""Heads registered in sfkd's MODELS registry."""
from .distillation_token_head import DistillationTokenHead

__all__ = ['DistillationTokenHead']

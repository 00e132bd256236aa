"""Discriminators of adversarial distillation losses."""
from .output_discriminator import OutputDiscriminator

__all__ = ['OutputDiscriminator']

"""Algorithms: the models the Runner trains (distillers, friendly teachers)."""
from .distiller import Distiller

__all__ = ['Distiller']

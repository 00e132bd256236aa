"""Algorithms: the models the Runner trains (distillers, friendly teachers)."""
from .distiller import Distiller
from .friendly_teacher import FriendlyTeacher

__all__ = ['Distiller', 'FriendlyTeacher']

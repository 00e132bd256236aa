"""Algorithms: the models the Runner trains (distillers, friendly teachers)."""
from .adversarial_distiller import AdversarialDistiller
from .distiller import Distiller
from .friendly_teacher import FriendlyTeacher

__all__ = ['AdversarialDistiller', 'Distiller', 'FriendlyTeacher']
